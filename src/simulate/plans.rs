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
use crate::model::{Bp, Milli, Money, PayerMix, TermShare};

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

/// Days past due after which a customer's unpaid debt is written off.
pub const WRITE_OFF_DAYS: u32 = 120;

/// How a document will be settled: payments, and for a customer who never
/// pays in full, the day the rest is written off as a bad debt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub settlements: Vec<Settlement>,
    pub write_off: Option<NaiveDate>,
}

/// Share of late customers who never pay, and of partial payers who abandon
/// the rest; companies always pay their suppliers in the end.
const CUSTOMER_NEVER: Bp = Bp(800);
const CUSTOMER_ABANDONS: Bp = Bp(1_200);

/// Payments for a document of `total`, issued on `issue` and due on `due`.
/// Their sum never exceeds `total`; it is less when the party never pays the
/// rest. `scale` stretches every delay past the due date (in thousandths), so
/// the books can meet a DSO or DPO target.
pub fn settlements(
    rng: &mut ChaCha8Rng,
    payer: Payer,
    behaviour: Behaviour,
    issue: NaiveDate,
    due: NaiveDate,
    total: Money,
    scale: Milli,
) -> Plan {
    let on = |date: NaiveDate| next_business_day(date.max(add_days(issue, 1)));
    let stretch = |days: u32| {
        (u64::from(days) * u64::from(scale.0) / 1000).min(u64::from(WRITE_OFF_DAYS - 5)) as u32
    };
    let written_off = || Some(next_business_day(add_days(due, WRITE_OFF_DAYS)));
    let paid = |date, amount| Plan {
        settlements: vec![Settlement { date, amount }],
        write_off: None,
    };
    match behaviour {
        Behaviour::Prompt => {
            let date = if chance(rng, Bp(8_500)) {
                due.checked_sub_days(chrono::Days::new(between(rng, 0, 7).into()))
                    .unwrap_or(due)
            } else {
                add_days(due, between(rng, 1, 7))
            };
            paid(on(date), total)
        }
        Behaviour::Late => {
            let never = payer == Payer::Customer && chance(rng, CUSTOMER_NEVER);
            let days = stretch(late_days(rng, payer));
            if never {
                return Plan {
                    settlements: Vec::new(),
                    write_off: written_off(),
                };
            }
            paid(on(add_days(due, days)), total)
        }
        Behaviour::Partial => {
            let share = between(rng, 30, 70);
            let first = Money(
                (total.0 * i64::from(share) / 100 / 100 * 100)
                    .max(1)
                    .min(total.0),
            );
            let first_date = on(add_days(due, between(rng, 0, 10)));
            let mut plan = Plan {
                settlements: vec![Settlement {
                    date: first_date,
                    amount: first,
                }],
                write_off: None,
            };
            let rest = total - first;
            let abandons = payer == Payer::Customer && chance(rng, CUSTOMER_ABANDONS);
            let delay = stretch(between(rng, 20, 90));
            if rest.is_zero() {
                return plan;
            }
            if abandons {
                plan.write_off = written_off();
            } else {
                plan.settlements.push(Settlement {
                    date: on(add_days(first_date, delay)),
                    amount: rest,
                });
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
            2 => between(rng, 61, 90),
            _ => between(rng, 91, 115),
        },
        Payer::Company => between(rng, 5, 45),
    }
}

/// Expected days from issue to settlement (amount-weighted, in thousandths
/// of a day), the same distributions as [`settlements`] in closed form. By
/// Little's law this is what DSO or DPO measures over a long window.
pub fn expected_days_milli(payer: Payer, mix: PayerMix, terms: &[TermShare], scale: Milli) -> i64 {
    let terms_milli: i64 = terms
        .iter()
        .map(|t| i64::from(t.days) * i64::from(t.share.0) / 10)
        .sum();
    // A weekend date rolls to Monday: on average 3/7 of a day.
    let roll = 429;
    let bp = |b: Bp| i64::from(b.0);
    let prompt = 8_500 * -3_500 / 10_000 + 1_500 * 4_000 / 10_000 + roll;
    // The same buckets as `late_days`, stretched and capped as in `settlements`.
    let late_mean = match payer {
        Payer::Customer => {
            (50 * stretched_mean_milli(5, 30, scale)
                + 30 * stretched_mean_milli(31, 60, scale)
                + 15 * stretched_mean_milli(61, 90, scale)
                + 5 * stretched_mean_milli(91, 115, scale))
                / 100
        }
        Payer::Company => stretched_mean_milli(5, 45, scale),
    };
    let (never, abandons) = match payer {
        Payer::Customer => (bp(CUSTOMER_NEVER), bp(CUSTOMER_ABANDONS)),
        Payer::Company => (0, 0),
    };
    let write_off = i64::from(WRITE_OFF_DAYS) * 1000;
    let late = ((10_000 - never) * (late_mean + roll) + never * write_off) / 10_000;
    let second = ((10_000 - abandons) * (5_000 + stretched_mean_milli(20, 90, scale) + 2 * roll)
        + abandons * write_off)
        / 10_000;
    let partial = (5_000 + roll) / 2 + second / 2;
    terms_milli
        + (bp(mix.prompt) * prompt + bp(mix.late) * late + bp(mix.partial) * partial) / 10_000
}

/// Mean of a uniform whole-day delay in `lo..=hi`, stretched by `scale` and
/// capped as `settlements` does, in thousandths of a day.
fn stretched_mean_milli(lo: u32, hi: u32, scale: Milli) -> i64 {
    let cap = u64::from(WRITE_OFF_DAYS - 5);
    let total: u64 = (lo..=hi)
        .map(|d| (u64::from(d) * u64::from(scale.0) / 1000).min(cap))
        .sum();
    (total * 1000 / u64::from(hi - lo + 1)) as i64
}

/// The delay scale that makes the expected days equal `target_days`,
/// between a fifth and four times the natural delays.
pub fn scale_for(payer: Payer, mix: PayerMix, terms: &[TermShare], target_days: u32) -> Milli {
    // Expected days grow with the scale (until every delay hits the cap), so
    // bisection finds the scale whatever the cap does to the curve.
    let wanted = i64::from(target_days) * 1000;
    let at = |scale: u32| expected_days_milli(payer, mix, terms, Milli(scale));
    let (mut low, mut high) = (200u32, 4000u32);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if at(mid) < wanted {
            low = mid;
        } else {
            high = mid;
        }
    }
    Milli(high)
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
                    let plan = settlements(
                        &mut rng,
                        payer,
                        behaviour,
                        issue,
                        due,
                        Money(12_345),
                        Milli(2_000),
                    );
                    let paid: Money = plan.settlements.iter().map(|s| s.amount).sum();
                    assert!(paid <= Money(12_345));
                    assert!(
                        plan.settlements
                            .iter()
                            .all(|s| s.date > issue && s.amount.0 > 0)
                    );
                    assert!(plan.settlements.windows(2).all(|w| w[0].date <= w[1].date));
                    // Unpaid debt is written off, and only after the last payment.
                    assert_eq!(plan.write_off.is_some(), paid < Money(12_345));
                    if let (Some(w), Some(last)) = (plan.write_off, plan.settlements.last()) {
                        assert!(w > last.date);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod calibration {
    use super::*;
    use rand::SeedableRng;

    fn thirty_day_terms_and_mix() -> ([TermShare; 1], PayerMix) {
        let terms = [TermShare {
            days: 30,
            share: Bp(10_000),
        }];
        let mix = PayerMix {
            prompt: Bp(6_000),
            late: Bp(2_800),
            partial: Bp(1_200),
        };
        (terms, mix)
    }

    /// The closed form agrees with the sampled plans within 3%.
    #[test]
    fn expected_days_match_the_sampled_mean() {
        let (terms, mix) = thirty_day_terms_and_mix();
        let issue = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let due = add_days(issue, 30);
        for scale in [Milli(500), Milli(1000), Milli(2000)] {
            let mut rng = ChaCha8Rng::from_seed([9; 32]);
            let (mut weighted_days, mut n) = (0i64, 0i64);
            for i in 0..20_000u32 {
                let behaviour = match i % 100 {
                    0..60 => Behaviour::Prompt,
                    60..88 => Behaviour::Late,
                    _ => Behaviour::Partial,
                };
                let plan = settlements(
                    &mut rng,
                    Payer::Customer,
                    behaviour,
                    issue,
                    due,
                    Money(10_000),
                    scale,
                );
                for s in &plan.settlements {
                    weighted_days += (s.date - issue).num_days() * s.amount.0;
                }
                let paid: i64 = plan.settlements.iter().map(|s| s.amount.0).sum();
                if let Some(w) = plan.write_off {
                    weighted_days += (w - issue).num_days() * (10_000 - paid);
                }
                n += 10_000;
            }
            let sampled = weighted_days * 1000 / n;
            let expected = expected_days_milli(Payer::Customer, mix, &terms, scale);
            assert!(
                (sampled - expected).abs() * 100 < expected * 3,
                "scale {scale:?}: sampled {sampled}, expected {expected}"
            );
        }
    }

    #[test]
    fn scale_for_hits_a_reachable_target() {
        let (terms, mix) = thirty_day_terms_and_mix();
        let scale = scale_for(Payer::Customer, mix, &terms, 50);
        let days = expected_days_milli(Payer::Customer, mix, &terms, scale);
        assert!((days - 50_000).abs() < 500, "{days}");
    }
}
