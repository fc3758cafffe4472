//! Stock of goods, valued at weighted average cost.
//!
//! Input: goods sold on invoices, the inventory policy. Output: stock
//! movement rows (opening, receipts, issues, count adjustments), the cost of
//! sales on each invoice's journal entry, and purchase bills for reorders.
//! Invariants: stock is never negative (a sale is cut to what is on hand);
//! at every month end the stock's value equals the inventory account.
//!
//! Weighted average: a receipt adds its quantity and cost; an issue takes
//! the current average, `value * quantity / on_hand`, rounded half away from
//! zero, and the last unit takes whatever value remains, so the value never
//! drifts from the ledger.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::calendar::{add_days, next_business_day};
use super::company::{BillLine, CompanySim};
use super::draw::between;
use super::keys::derived_id;
use super::ledger::{Posting, Source, Violation};
use super::rows::{Row, RowSink, StockMovementRow};
use super::setup;
use crate::model::{AccountPurpose, Money, TaxKind, money::div_round_half_away};

#[derive(Debug, Clone)]
pub struct StockItem {
    /// Position in the company's products.
    pub product: usize,
    pub product_id: Uuid,
    pub unit_cost: Money,
    pub on_hand: i64,
    pub value: Money,
    pub on_order: i64,
    pub reorder_point: i64,
    pub order_quantity: i64,
}

#[derive(Debug, Default)]
pub struct Stock {
    pub items: Vec<StockItem>,
    /// Deliveries on their way: (date, order number) to (item, quantity).
    pending: BTreeMap<(NaiveDate, u32), (usize, i64)>,
    orders: u32,
    movements: u32,
    pub opening_value: Money,
    months_since_count: u32,
}

impl CompanySim<'_> {
    /// Puts the opening stock on the shelves and sets each item's reorder point
    /// from its expected demand.
    pub(super) fn open_stock(&mut self, sink: &mut dyn RowSink, start: NaiveDate) {
        let policy = self.company.inventory.clone();
        let weights: i64 = self
            .product_weights
            .iter()
            .map(|&w| i64::from(w))
            .sum::<i64>()
            .max(1);
        let c = &self.company.customers;
        // Invoices a month times 1.75 lines, times this product's share, times 4.5 units.
        let lines_per_month =
            i64::from(c.count) * i64::from(c.invoices_per_month.0) * 175 / 100_000;
        let goods: Vec<(usize, Uuid, Money, u32)> = self
            .products
            .iter()
            .enumerate()
            .filter(|(_, p)| p.goods)
            .map(|(i, p)| (i, p.id, p.unit_price, p.weight))
            .collect();
        for (index, product_id, unit_price, weight) in goods {
            let unit_cost = unit_price.apply(policy.cost_share).max(Money(1));
            let demand = (lines_per_month * i64::from(weight) * 45 / 10 / weights).max(1);
            let reorder_point = (demand * i64::from(policy.reorder_cover_days) / 30).max(3);
            let on_hand = i64::from(policy.opening_units);
            let item = StockItem {
                product: index,
                product_id,
                unit_cost,
                on_hand,
                value: unit_cost.times(on_hand),
                on_order: 0,
                reorder_point,
                order_quantity: reorder_point * 3 / 2 + 1,
            };
            self.stock.opening_value += item.value;
            if on_hand > 0 {
                self.movement(
                    sink,
                    start,
                    &item,
                    "opening",
                    on_hand,
                    item.value,
                    "opening_balance",
                    None,
                );
            }
            self.stock.items.push(item);
        }
    }

    /// Index of the stock item for a product, if it is stocked.
    fn stock_item(&self, product: usize) -> Option<usize> {
        self.stock.items.iter().position(|i| i.product == product)
    }

    /// Takes up to `wanted` units of `product` off the shelf on `date` for an
    /// invoice. Returns the quantity actually sold and the cost-of-sales
    /// postings; a service (or an unstocked product) passes through untouched.
    pub(super) fn issue_stock(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        product: usize,
        wanted: u32,
        invoice: Uuid,
    ) -> (u32, Vec<Posting>) {
        let Some(index) = self.stock_item(product) else {
            return (wanted, Vec::new());
        };
        self.receive_stock(sink, date);
        let item = &self.stock.items[index];
        let quantity = i64::from(wanted).min(item.on_hand);
        if quantity == 0 {
            self.reorder(date, index);
            return (0, Vec::new());
        }
        let cost = if quantity == item.on_hand {
            item.value
        } else {
            Money(div_round_half_away(
                i128::from(item.value.0) * i128::from(quantity),
                i128::from(item.on_hand),
            ))
        };
        let item = &mut self.stock.items[index];
        item.on_hand -= quantity;
        item.value -= cost;
        let snapshot = item.clone();
        self.movement(
            sink,
            date,
            &snapshot,
            "issue",
            -quantity,
            -cost,
            "invoice",
            Some(invoice),
        );
        self.reorder(date, index);
        let postings = vec![
            (
                setup::account_index(
                    self.company,
                    AccountPurpose::Spend(crate::model::SpendCategory::CostOfSales),
                ),
                cost,
            ),
            (
                setup::account_index(self.company, AccountPurpose::Inventory),
                -cost,
            ),
        ];
        (quantity as u32, postings)
    }

    /// Orders more when stock on hand and on order falls to the reorder point;
    /// the delivery arrives four to ten days later.
    fn reorder(&mut self, date: NaiveDate, index: usize) {
        let item = &self.stock.items[index];
        if item.on_hand + item.on_order > item.reorder_point {
            return;
        }
        self.stock.orders += 1;
        let order = self.stock.orders;
        let mut rng = self.key.child("stock-order").child(order).stream(self.seed);
        let arrives = next_business_day(add_days(date, between(&mut rng, 4, 10)));
        let quantity = item.order_quantity;
        self.stock.items[index].on_order += quantity;
        self.stock
            .pending
            .insert((arrives, order), (index, quantity));
    }

    /// Books every delivery due by `date`: a receipt into stock and the
    /// supplier's bill for it.
    pub(super) fn receive_stock(&mut self, sink: &mut dyn RowSink, date: NaiveDate) {
        while let Some(entry) = self.stock.pending.first_entry() {
            if entry.key().0 > date {
                break;
            }
            let ((arrived, order), (index, quantity)) = entry.remove_entry();
            let item = &mut self.stock.items[index];
            let cost = item.unit_cost.times(quantity);
            item.on_hand += quantity;
            item.on_order -= quantity;
            item.value += cost;
            let snapshot = item.clone();
            let bill_key = self.key.child("stock-bill").child(order);
            let bill_id = bill_key.id();
            self.movement(
                sink,
                arrived,
                &snapshot,
                "receipt",
                quantity,
                cost,
                "bill",
                Some(bill_id),
            );
            let name = self.products[snapshot.product].name.clone();
            let lines = vec![BillLine {
                product: Some(snapshot.product_id),
                description: format!("{name} (stock)"),
                quantity: quantity as u32,
                unit_price: snapshot.unit_cost,
            }];
            let inventory = setup::account_index(self.company, AccountPurpose::Inventory);
            let tax = setup::tax_index(self.company, stock_tax_kind(self.company.country));
            let supplier = self.stock_supplier(order);
            let mut rng = bill_key.stream(self.seed);
            self.book_bill(
                sink, "STOCK", arrived, supplier, bill_key, &mut rng, lines, inventory, tax,
            );
        }
    }

    /// Orders rotate over the vendors that supply goods for resale, so that
    /// no single supplier's payment habits set the company's DPO.
    fn stock_supplier(&self, order: u32) -> usize {
        let suppliers: Vec<usize> = self
            .vendors
            .iter()
            .enumerate()
            .filter(|(_, v)| v.spend == Some(crate::model::SpendCategory::CostOfSales))
            .map(|(i, _)| i)
            .collect();
        suppliers
            .get(order as usize % suppliers.len().max(1))
            .copied()
            .unwrap_or(0)
    }

    /// At a stock count, shrinkage since the last count is written off.
    pub(super) fn count_stock(
        &mut self,
        sink: &mut dyn RowSink,
        first: NaiveDate,
        cutoff: NaiveDate,
    ) -> Result<(), Violation> {
        self.stock.months_since_count += 1;
        let policy = self.company.inventory.clone();
        if cutoff < super::calendar::month_end(first)
            || self.stock.months_since_count < policy.count_every_months
        {
            return Ok(());
        }
        let months = std::mem::take(&mut self.stock.months_since_count);
        let mut total = Money::ZERO;
        for index in 0..self.stock.items.len() {
            let item = &self.stock.items[index];
            let lost = item.on_hand * i64::from(policy.shrinkage.0) * i64::from(months) / 10_000;
            if lost <= 0 {
                continue;
            }
            let cost = Money(div_round_half_away(
                i128::from(item.value.0) * i128::from(lost),
                i128::from(item.on_hand),
            ));
            let item = &mut self.stock.items[index];
            item.on_hand -= lost;
            item.value -= cost;
            let snapshot = item.clone();
            let count_id = derived_id(
                self.id,
                "stock-count",
                (first.year() * 100) as u32 + first.month(),
            );
            self.movement(
                sink,
                cutoff,
                &snapshot,
                "adjustment",
                -lost,
                -cost,
                "stock_count",
                Some(count_id),
            );
            total += cost;
        }
        if total.is_zero() {
            return Ok(());
        }
        let postings = [
            (
                setup::account_index(self.company, AccountPurpose::StockAdjustments),
                total,
            ),
            (
                setup::account_index(self.company, AccountPurpose::Inventory),
                -total,
            ),
        ];
        let number = format!("COUNT-{}", first.format("%Y-%m"));
        let id = derived_id(
            self.id,
            "stock-count",
            (first.year() * 100) as u32 + first.month(),
        );
        let source = Source {
            kind: "stock_count",
            id,
            number: &number,
        };
        self.ledger.post(
            sink,
            cutoff,
            format!(
                "Stock count {}: shrinkage written off",
                first.format("%B %Y")
            ),
            &source,
            &postings,
        )
    }

    pub(super) fn check_stock(&self, date: NaiveDate) -> Result<(), Violation> {
        if let Some(item) = self.stock.items.iter().find(|i| i.on_hand < 0) {
            return Err(Violation {
                rule: "stock never goes negative",
                document: self.products[item.product].name.clone(),
                date,
                detail: format!("{} on hand", item.on_hand),
            });
        }
        let value: Money = self.stock.items.iter().map(|i| i.value).sum();
        let ledger = self.ledger.balance(setup::account_index(
            self.company,
            AccountPurpose::Inventory,
        ));
        if value != ledger {
            return Err(Violation {
                rule: "inventory ties to its control account",
                document: "stock valuation".into(),
                date,
                detail: format!("stock is worth {value}, the inventory account holds {ledger}"),
            });
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn movement(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        item: &StockItem,
        kind: &'static str,
        quantity: i64,
        total: Money,
        source_type: &'static str,
        source_id: Option<Uuid>,
    ) {
        self.stock.movements += 1;
        sink.row(Row::StockMovement(&StockMovementRow {
            id: derived_id(item.product_id, "stock-movement", self.stock.movements),
            company_id: self.id,
            product_id: item.product_id,
            moved_on: date,
            kind,
            quantity,
            unit_cost: if quantity == 0 {
                Money::ZERO
            } else {
                Money((total.0 / quantity).abs())
            },
            total_cost: total,
            source_type,
            source_id,
        }));
    }
}

/// Stock bought for resale reclaims VAT in GB; US resale purchases carry no tax.
fn stock_tax_kind(country: crate::model::Country) -> TaxKind {
    match country {
        crate::model::Country::GB => TaxKind::Standard,
        crate::model::Country::US => TaxKind::Exempt,
    }
}
