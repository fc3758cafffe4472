//! Settlement plans: when, and how much, a party pays a document.
//!
//! A plan is drawn once, from the document's own stream, when the document is
//! issued. Events after `as_of` are simply not applied yet, so the books up to
//! any date never depend on anything later: the prefix property time travel
//! relies on.

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;

use super::calendar::{add_days, next_business_day};
use super::draw::{between, chance, weighted};
use super::parties::Behaviour;
use crate::model::{Bp, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    pub date: NaiveDate,
    pub amount: Money,
}

/// Who is paying: customers run later and leave more bad debt than we do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    Customer,
    Company,
}

/// Payments for a document of `total`, issued on `issue` and due on `due`.
/// Their sum never exceeds `total`; it is less when the party never pays the rest.
pub fn settlements(
    rng: &mut ChaCha8Rng,
    payer: Payer,
    behaviour: Behaviour,
    issue: NaiveDate,
    due: NaiveDate,
    total: Money,
) -> Vec<Settlement> {
    let on = |date: NaiveDate| next_business_day(date.max(add_days(issue, 1)));
    match behaviour {
        Behaviour::Prompt => {
            let date = if chance(rng, Bp(8_500)) {
                due.checked_sub_days(chrono::Days::new(between(rng, 0, 7).into()))
                    .unwrap_or(due)
            } else {
                add_days(due, between(rng, 1, 7))
            };
            vec![Settlement {
                date: on(date),
                amount: total,
            }]
        }
        Behaviour::Late => {
            let never = match payer {
                Payer::Customer => Bp(800),
                Payer::Company => Bp(300),
            };
            if chance(rng, never) {
                return Vec::new();
            }
            let days = late_days(rng, payer);
            vec![Settlement {
                date: on(add_days(due, days)),
                amount: total,
            }]
        }
        Behaviour::Partial => {
            let share = between(rng, 30, 70);
            let first = Money(
                (total.0 * i64::from(share) / 100 / 100 * 100)
                    .max(1)
                    .min(total.0),
            );
            let first_date = on(add_days(due, between(rng, 0, 10)));
            let mut plan = vec![Settlement {
                date: first_date,
                amount: first,
            }];
            let rest = total - first;
            let abandons = matches!(payer, Payer::Customer) && chance(rng, Bp(1_200));
            if !rest.is_zero() && !abandons {
                let date = on(add_days(first_date, between(rng, 20, 90)));
                plan.push(Settlement { date, amount: rest });
            }
            plan
        }
    }
}

/// Days after the due date for a late payer: mostly weeks, sometimes months.
fn late_days(rng: &mut ChaCha8Rng, payer: Payer) -> u32 {
    match payer {
        Payer::Customer => match weighted(rng, &[50, 30, 15, 5]) {
            0 => between(rng, 5, 30),
            1 => between(rng, 31, 60),
            2 => between(rng, 61, 120),
            _ => between(rng, 121, 200),
        },
        Payer::Company => between(rng, 5, 45),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn plans_never_pay_more_than_the_total_nor_before_issue() {
        let issue = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let due = add_days(issue, 30);
        for seed in 0..=255u8 {
            let mut rng = ChaCha8Rng::from_seed([seed; 32]);
            for behaviour in [Behaviour::Prompt, Behaviour::Late, Behaviour::Partial] {
                for payer in [Payer::Customer, Payer::Company] {
                    let plan = settlements(&mut rng, payer, behaviour, issue, due, Money(12_345));
                    let paid: Money = plan.iter().map(|s| s.amount).sum();
                    assert!(paid <= Money(12_345));
                    assert!(plan.iter().all(|s| s.date > issue && s.amount.0 > 0));
                    assert!(plan.windows(2).all(|w| w[0].date <= w[1].date));
                }
            }
        }
    }
}
