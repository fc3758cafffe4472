//! Payroll: employees, pay runs at the spec's frequency, payslips, and the
//! monthly remittance of what was withheld.
//!
//! Input: the company's payroll policy. Output: employee, run and payslip
//! rows, the run's journal entry on its pay date, and the remittance on the
//! 22nd of the following month. Invariants: on every payslip gross pay minus
//! deductions equals net pay; at every month end, what runs withheld and the
//! employer owes, less what was remitted, equals the payroll liabilities in
//! the ledger.
//!
//! The rules are simplified but plausible, per pay period:
//! - GB: income tax 20% above the personal allowance (£12,570 a year) and
//!   40% above £50,270; employee National Insurance 8% between £12,570 and
//!   £50,270 and 2% above; employer NI 15% above £5,000; pension on all pay.
//! - US: federal income tax 12% above a $15,000 standard deduction and 22%
//!   above $63,475; state tax a flat 4.5% above the deduction; Social
//!   Security 6.2% and Medicare 1.45% from both employee and employer; 401(k)
//!   before federal and state tax.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use fake::Fake;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;

use super::calendar::{add_days, month_end, next_business_day, previous_business_day};
use super::company::{CompanySim, Effect, Event, PlannedPosting};
use super::draw::between;
use super::keys::derived_id;
use super::ledger::Violation;
use super::parties::slug;
use super::rows::{EmployeeRow, PayAmounts, PayrollRunRow, PayslipRow, Row, RowSink};
use super::setup;
use crate::model::{AccountPurpose, Bp, Country, Money, PayFrequency};

#[derive(Debug, Clone)]
pub struct Employee {
    id: uuid::Uuid,
    /// Annual salary, or hourly rate for hourly staff.
    salary: Option<Money>,
    hourly: Option<Money>,
}

/// Withholdings and employer costs accrued and not yet remitted.
#[derive(Debug, Default, Clone)]
pub struct PayrollState {
    pub employees: Vec<Employee>,
    /// Taxes and pensions accrued by runs paid in the month being simulated.
    pub accrued_taxes: Money,
    pub accrued_pensions: Money,
    /// Accrued and not yet remitted, all months.
    pub unremitted: Money,
    pub run_seq: u32,
}

fn periods_per_year(frequency: PayFrequency) -> i64 {
    match frequency {
        PayFrequency::Weekly => 52,
        PayFrequency::BiWeekly => 26,
        PayFrequency::Monthly => 12,
    }
}

/// Tax on `taxable` above `threshold`, at `rate`, up to `ceiling` if any.
fn band(taxable: Money, threshold: Money, ceiling: Option<Money>, rate: u32) -> Money {
    let top = ceiling.map_or(taxable, |c| taxable.min(c));
    let base = top - threshold;
    if base.0 <= 0 {
        Money::ZERO
    } else {
        base.apply(Bp(rate))
    }
}

/// One payslip's amounts for `gross` in a period that is `1/per_year` of a year.
pub fn payslip(country: Country, gross: Money, per_year: i64, pension: (Bp, Bp)) -> PayAmounts {
    let yearly = |amount: i64| Money(amount * 100 / per_year);
    let pension_employee = gross.apply(pension.0);
    let pension_employer = gross.apply(pension.1);
    let (income_tax, employee_contributions, employer_contributions) = match country {
        Country::GB => {
            let allowance = yearly(12_570);
            let higher = yearly(50_270);
            let tax =
                band(gross, allowance, Some(higher), 2_000) + band(gross, higher, None, 4_000);
            let ni = band(gross, allowance, Some(higher), 800) + band(gross, higher, None, 200);
            (tax, ni, band(gross, yearly(5_000), None, 1_500))
        }
        Country::US => {
            let taxable = gross - pension_employee;
            let deduction = yearly(15_000);
            let upper = yearly(63_475);
            let federal =
                band(taxable, deduction, Some(upper), 1_200) + band(taxable, upper, None, 2_200);
            let state = band(taxable, deduction, None, 450);
            let fica = gross.apply(Bp(620)) + gross.apply(Bp(145));
            (federal + state, fica, fica)
        }
    };
    PayAmounts {
        gross,
        income_tax,
        employee_contributions,
        employer_contributions,
        pension_employee,
        pension_employer,
        net: gross - income_tax - employee_contributions - pension_employee,
    }
}

impl std::ops::Add for PayAmounts {
    type Output = PayAmounts;
    fn add(self, o: PayAmounts) -> PayAmounts {
        PayAmounts {
            gross: self.gross + o.gross,
            income_tax: self.income_tax + o.income_tax,
            employee_contributions: self.employee_contributions + o.employee_contributions,
            employer_contributions: self.employer_contributions + o.employer_contributions,
            pension_employee: self.pension_employee + o.pension_employee,
            pension_employer: self.pension_employer + o.pension_employer,
            net: self.net + o.net,
        }
    }
}

impl CompanySim<'_> {
    /// Hires the staff, each from their own stream.
    pub(super) fn hire(&mut self, sink: &mut dyn RowSink, started_on: NaiveDate) {
        let policy = &self.company.payroll;
        for index in 1..=policy.employees {
            let key = self.key.child("employee").child(index);
            let mut rng = key.stream(self.seed);
            let first: String = FirstName().fake_with_rng(&mut rng);
            let last: String = LastName().fake_with_rng(&mut rng);
            // A low-discrepancy split keeps the salaried share on target for any headcount.
            let salaried = (u64::from(index) * 6_180 % 10_000) < u64::from(policy.salaried.0);
            let (salary, hourly) = if salaried {
                let span = (policy.salary_max.0 - policy.salary_min.0).max(0);
                let pick =
                    policy.salary_min.0 + span * i64::from(rng.random_range(0..=100u32)) / 100;
                (
                    Some(Money(pick / 50_000 * 50_000).max(policy.salary_min)),
                    None,
                )
            } else {
                let span = (policy.hourly_max.0 - policy.hourly_min.0).max(0);
                let pick =
                    policy.hourly_min.0 + span * i64::from(rng.random_range(0..=100u32)) / 100;
                (None, Some(Money(pick / 25 * 25).max(policy.hourly_min)))
            };
            let employee = Employee {
                id: key.id(),
                salary,
                hourly,
            };
            sink.row(Row::Employee(&EmployeeRow {
                id: employee.id,
                company_id: self.id,
                number: format!("E-{index:04}"),
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}{index}@{}",
                    slug(&first),
                    slug(&last),
                    self.company.email_domain
                ),
                pay_type: if salaried { "salaried" } else { "hourly" },
                annual_salary: salary,
                hourly_rate: hourly,
                hours_per_week: policy.hours_per_week,
                started_on: add_days(started_on, 0)
                    - Days::new(u64::from(between(&mut rng, 30, 2_000))),
            }));
            self.payroll.employees.push(employee);
        }
    }

    /// Pay dates in the month: the 25th for monthly payroll, Fridays for weekly,
    /// every other Friday (counted from the window start) for bi-weekly.
    fn pay_dates(&self, first: NaiveDate, window_start: NaiveDate) -> Vec<NaiveDate> {
        let end = month_end(first);
        match self.company.payroll.frequency {
            PayFrequency::Monthly => {
                vec![previous_business_day(first.with_day(25).expect("day 25"))]
            }
            frequency => {
                let step = if frequency == PayFrequency::Weekly {
                    7
                } else {
                    14
                };
                let mut friday = window_start;
                while friday.weekday() != Weekday::Fri {
                    friday = add_days(friday, 1);
                }
                let mut dates = Vec::new();
                while friday <= end {
                    if friday >= first {
                        dates.push(friday);
                    }
                    friday = add_days(friday, step);
                }
                dates
            }
        }
    }

    /// Runs the month's payrolls and schedules last month's remittance.
    pub(super) fn run_payroll(
        &mut self,
        sink: &mut dyn RowSink,
        first: NaiveDate,
        window_start: NaiveDate,
    ) -> Result<(), Violation> {
        if self.payroll.employees.is_empty() {
            return Ok(());
        }
        for pay_date in self.pay_dates(first, window_start) {
            if pay_date > self.as_of {
                continue;
            }
            self.pay_run(sink, pay_date)?;
        }
        Ok(())
    }

    fn pay_run(&mut self, sink: &mut dyn RowSink, pay_date: NaiveDate) -> Result<(), Violation> {
        let policy = &self.company.payroll;
        let per_year = periods_per_year(policy.frequency);
        self.payroll.run_seq += 1;
        let number = format!("PAY-{}-{:03}", pay_date.year(), self.payroll.run_seq);
        let run_key = self.key.child("payroll").child(pay_date.format("%Y%m%d"));
        let run_id = run_key.id();
        let mut rng = run_key.stream(self.seed);
        let mut total = PayAmounts::default();
        let mut slips = Vec::new();
        for employee in &self.payroll.employees {
            let gross = match (employee.salary, employee.hourly) {
                (Some(salary), _) => Money(salary.0 / per_year),
                (_, Some(rate)) => {
                    // Hours vary a little around the contract: overtime, leave.
                    let hours_milli = i64::from(policy.hours_per_week) * 52_000 / per_year
                        * i64::from(between(&mut rng, 85, 115))
                        / 100;
                    Money(rate.0 * hours_milli / 1000)
                }
                _ => Money::ZERO,
            };
            let slip = payslip(
                self.company.country,
                gross,
                per_year,
                (policy.pension_employee, policy.pension_employer),
            );
            if slip.gross - slip.income_tax - slip.employee_contributions - slip.pension_employee
                != slip.net
            {
                return Err(Violation {
                    rule: "gross pay minus deductions equals net pay",
                    document: number,
                    date: pay_date,
                    detail: format!("payslip of {} does not add up", slip.gross),
                });
            }
            total = total + slip;
            slips.push((employee.id, slip));
        }
        let (period_start, period_end) = self.pay_period(pay_date);
        let remit_on = next_business_day(
            month_end(pay_date)
                .checked_add_days(Days::new(22))
                .expect("in range"),
        );
        sink.row(Row::PayrollRun(&PayrollRunRow {
            id: run_id,
            company_id: self.id,
            number: number.clone(),
            period_start,
            period_end,
            pay_date,
            employees: slips.len() as u32,
            amounts: total,
            status: if remit_on <= self.as_of {
                "remitted"
            } else {
                "paid"
            },
        }));
        for (n, (employee, amounts)) in slips.into_iter().enumerate() {
            sink.row(Row::Payslip(&PayslipRow {
                id: derived_id(run_id, "payslip", n as u32 + 1),
                company_id: self.id,
                run_id,
                employee_id: employee,
                amounts,
            }));
        }
        let purpose = |p| setup::account_index(self.company, p);
        let taxes = total.income_tax + total.employee_contributions + total.employer_contributions;
        let pensions = total.pension_employee + total.pension_employer;
        let postings = vec![
            (purpose(AccountPurpose::Wages), total.gross),
            (
                purpose(AccountPurpose::EmployerTaxes),
                total.employer_contributions,
            ),
            (
                purpose(AccountPurpose::EmployerPension),
                total.pension_employer,
            ),
            (self.accounts.bank, -total.net),
            (purpose(AccountPurpose::PayrollLiabilities), -taxes),
            (purpose(AccountPurpose::PensionPayable), -pensions),
        ];
        self.schedule(
            pay_date,
            2,
            Event::Posting(Box::new(PlannedPosting {
                effect: Effect::None,
                kind: "payroll",
                id: run_id,
                number: number.clone(),
                description: format!(
                    "Payroll {number}: {} employees",
                    self.payroll.employees.len()
                ),
                postings,
            })),
        );
        self.payroll.accrued_taxes += taxes;
        self.payroll.accrued_pensions += pensions;
        self.payroll.unremitted += taxes + pensions;
        Ok(())
    }

    fn pay_period(&self, pay_date: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self.company.payroll.frequency {
            PayFrequency::Monthly => (pay_date.with_day(1).expect("day 1"), month_end(pay_date)),
            PayFrequency::Weekly => (pay_date - Days::new(6), pay_date),
            PayFrequency::BiWeekly => (pay_date - Days::new(13), pay_date),
        }
    }

    /// What the month's runs withheld and owe goes to the tax authority and
    /// the pension provider on the 22nd of the next month.
    pub(super) fn schedule_remittance(&mut self, first: NaiveDate) {
        let taxes = std::mem::take(&mut self.payroll.accrued_taxes);
        let pensions = std::mem::take(&mut self.payroll.accrued_pensions);
        let amount = taxes + pensions;
        if amount.is_zero() {
            return;
        }
        let remit_on = next_business_day(
            month_end(first)
                .checked_add_days(Days::new(22))
                .expect("in range"),
        );
        let purpose = |p| setup::account_index(self.company, p);
        let label = first.format("%Y-%m").to_string();
        let postings = vec![
            (purpose(AccountPurpose::PayrollLiabilities), taxes),
            (purpose(AccountPurpose::PensionPayable), pensions),
            (self.accounts.bank, -amount),
        ];
        self.schedule(
            remit_on,
            2,
            Event::Posting(Box::new(PlannedPosting {
                effect: Effect::PayrollRemitted(amount),
                kind: "payroll_remittance",
                id: derived_id(
                    self.id,
                    "remittance",
                    (first.year() * 100) as u32 + first.month(),
                ),
                number: format!("REMIT-{label}"),
                description: format!("Payroll taxes and pensions for {label} remitted"),
                postings,
            })),
        );
    }

    pub(super) fn payroll_remitted(&mut self, amount: Money) {
        self.payroll.unremitted -= amount;
    }

    pub(super) fn check_payroll(&self, date: NaiveDate) -> Result<(), Violation> {
        let purpose = |p| setup::account_index(self.company, p);
        let ledger = -(self
            .ledger
            .balance(purpose(AccountPurpose::PayrollLiabilities))
            + self.ledger.balance(purpose(AccountPurpose::PensionPayable)));
        if ledger != self.payroll.unremitted {
            return Err(Violation {
                rule: "payroll liabilities tie to their control accounts",
                document: "payroll liabilities".into(),
                date,
                detail: format!(
                    "runs leave {} unremitted, the ledger {ledger}",
                    self.payroll.unremitted
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(slip: PayAmounts) {
        let deductions = slip.income_tax + slip.employee_contributions + slip.pension_employee;
        assert_eq!(slip.gross - deductions, slip.net);
        assert!(slip.net.0 > 0);
    }

    #[test]
    fn gb_monthly_payslip_for_a_median_salary() {
        // £36,000 a year: £3,000 a month.
        let slip = payslip(Country::GB, Money(300_000), 12, (Bp(500), Bp(300)));
        // Income tax: (3000 - 1047.50) * 20% = 390.50.
        assert_eq!(slip.income_tax, Money(39_050));
        // Employee NI: (3000 - 1047.50) * 8% = 156.20.
        assert_eq!(slip.employee_contributions, Money(15_620));
        // Employer NI: (3000 - 416.66) * 15% = 387.50.
        assert_eq!(slip.employer_contributions, Money(38_750));
        assert_eq!(slip.pension_employee, Money(15_000));
        check(slip);
    }

    #[test]
    fn us_biweekly_payslip_adds_up() {
        let slip = payslip(Country::US, Money(250_000), 26, (Bp(400), Bp(300)));
        check(slip);
        assert_eq!(slip.employee_contributions, slip.employer_contributions);
    }

    #[test]
    fn low_pay_has_no_income_tax() {
        let slip = payslip(Country::GB, Money(80_000), 12, (Bp(0), Bp(0)));
        assert_eq!(slip.income_tax, Money::ZERO);
        check(slip);
    }
}
