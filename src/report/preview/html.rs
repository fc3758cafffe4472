//! The preview as one self-contained HTML file: inline CSS and inline SVG
//! charts drawn here (revenue and expenses by month, the cash balance, aging
//! bars), no script, no external resource. Coordinates are integers computed
//! with integer arithmetic.

use std::fmt::Write;

use super::format::{compact, money};
use super::{AgingReport, BalanceLine, CompanyPreview, Preview};

const INCOME: &str = "#2e7d32";
const EXPENSE: &str = "#c62828";
const CASH: &str = "#1565c0";
const AGING: [&str; 5] = ["#66bb6a", "#fdd835", "#fb8c00", "#e53935", "#8e24aa"];

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1f2933}\
header{background:#1f2933;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#cbd2d9}\
main{padding:16px 32px}section.company{margin-bottom:32px}h2{border-bottom:2px solid #cbd2d9;padding-bottom:4px}\
.cards{display:flex;flex-wrap:wrap;gap:16px}.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 16px;flex:1 1 560px}\
.card h3{margin:0 0 8px;font-size:16px}.kpis{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:16px}\
.kpi{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:10px 16px;min-width:160px}\
.kpi b{display:block;font-size:20px}.kpi span{color:#52606d;font-size:12px;text-transform:uppercase}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e4e7eb;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:bold;border-top:2px solid #9aa5b1}\
tr.head td{font-weight:bold;background:#f0f4f8}svg text{font-size:11px;fill:#52606d}.legend{font-size:12px;color:#52606d}\
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}";

pub fn render(preview: &Preview) -> String {
    let mut out = String::new();
    let title = format!("{}: books as of {}", preview.scenario, preview.as_of);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{}</h1><p>Window from {} to {}. Computed by demoforge preview from the compiled model.</p></header>\n<main>\n",
        esc(&title),
        esc(&title),
        preview.window_start,
        preview.as_of
    );
    for (i, company) in preview.companies.iter().enumerate() {
        write_company(&mut out, i, company);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn write_company(out: &mut String, i: usize, c: &CompanyPreview) {
    let cur = esc(&c.currency);
    let _ = writeln!(
        out,
        "<section class=\"company\" id=\"company-{i}\">\n<h2>{} ({cur})</h2>",
        esc(&c.name)
    );
    let income: i64 = c.profit_and_loss.iter().map(|m| m.income.0).sum();
    let expenses: i64 = c.profit_and_loss.iter().map(|m| m.expenses.0).sum();
    out.push_str("<div class=\"kpis\">");
    for (label, amount) in [
        ("Income in window", income),
        ("Expenses in window", expenses),
        ("Net cash", c.cash.net.0),
        ("Receivables", c.receivables.total.0),
        ("Payables", c.payables.total.0),
    ] {
        let _ = write!(
            out,
            "<div class=\"kpi\"><span>{label}</span><b>{} {cur}</b></div>",
            money(amount)
        );
    }
    out.push_str("</div>\n<div class=\"cards\">\n");

    out.push_str("<div class=\"card\"><h3>Revenue and expenses by month</h3>");
    let _ = write!(
        out,
        "<div class=\"legend\"><i style=\"background:{INCOME}\"></i>Income<i style=\"background:{EXPENSE}\"></i>Expenses</div>"
    );
    pnl_chart(out, i, c);
    out.push_str("</div>\n<div class=\"card\"><h3>Cash balance at month end (bank accounts)</h3>");
    cash_chart(out, i, c);
    out.push_str("</div>\n<div class=\"card\"><h3>Receivables aging</h3>");
    aging_chart(out, &format!("chart-ar-aging-{i}"), &c.receivables);
    out.push_str("</div>\n<div class=\"card\"><h3>Payables aging</h3>");
    aging_chart(out, &format!("chart-ap-aging-{i}"), &c.payables);
    out.push_str("</div>\n");

    // Tables.
    out.push_str("<div class=\"card\"><h3>Profit and loss by month</h3><table><tr><th>Month</th><th class=\"n\">Income</th><th class=\"n\">Expenses</th><th class=\"n\">Profit</th></tr>");
    for m in &c.profit_and_loss {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            m.month,
            money(m.income.0),
            money(m.expenses.0),
            money(m.profit.0)
        );
    }
    let _ = write!(
        out,
        "<tr class=\"total\"><td>Total</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table></div>",
        money(income),
        money(expenses),
        money(income - expenses)
    );
    out.push('\n');

    let bs = &c.balance_sheet;
    out.push_str("<div class=\"card\"><h3>Balance sheet</h3><table>");
    balance_section(out, "Assets", &bs.assets, "Total assets", bs.total_assets.0);
    balance_section(
        out,
        "Liabilities",
        &bs.liabilities,
        "Total liabilities",
        bs.total_liabilities.0,
    );
    let _ = write!(out, "<tr class=\"head\"><td colspan=\"3\">Equity</td></tr>");
    for l in &bs.equity {
        balance_line(out, l);
    }
    let _ = write!(
        out,
        "<tr><td></td><td>Current-year profit (since last close)</td><td class=\"n\">{}</td></tr>\
         <tr class=\"total\"><td></td><td>Total equity</td><td class=\"n\">{}</td></tr>\
         <tr class=\"total\"><td></td><td>Total liabilities and equity</td><td class=\"n\">{}</td></tr></table>",
        money(bs.current_year_profit.0),
        money(bs.total_equity.0),
        money(bs.total_liabilities_and_equity.0)
    );
    out.push_str("<h3 style=\"margin-top:16px\">Cash position</h3><table><tr><th>Code</th><th>Account</th><th>Kind</th><th class=\"n\">Balance</th></tr>");
    for l in &c.cash.accounts {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&l.code),
            esc(&l.name),
            l.kind.replace('_', " "),
            money(l.balance.0)
        );
    }
    let _ = write!(
        out,
        "<tr class=\"total\"><td></td><td>Net cash</td><td></td><td class=\"n\">{}</td></tr></table></div>",
        money(c.cash.net.0)
    );
    out.push('\n');

    out.push_str("<div class=\"card\"><h3>Aging (days overdue)</h3><table><tr><th>Ledger</th>");
    for label in ["Current", "1-30", "31-60", "61-90", "90+", "Total"] {
        let _ = write!(out, "<th class=\"n\">{label}</th>");
    }
    out.push_str("</tr>");
    for (name, aging) in [("Receivable", &c.receivables), ("Payable", &c.payables)] {
        let _ = write!(out, "<tr><td>{name}</td>");
        for (_, a) in aging.buckets() {
            let _ = write!(out, "<td class=\"n\">{}</td>", money(a.0));
        }
        let _ = write!(out, "<td class=\"n\">{}</td></tr>", money(aging.total.0));
    }
    out.push_str("</table>");

    let tb = &c.trial_balance;
    out.push_str("<h3 style=\"margin-top:16px\">Trial balance</h3><table><tr><th>Code</th><th>Account</th><th>Kind</th><th class=\"n\">Debit</th><th class=\"n\">Credit</th></tr>");
    for l in &tb.lines {
        let show = |v: i64| if v == 0 { String::new() } else { money(v) };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&l.code),
            esc(&l.name),
            l.kind,
            show(l.debit.0),
            show(l.credit.0)
        );
    }
    let _ = write!(
        out,
        "<tr class=\"total\"><td></td><td>Total</td><td></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table></div>",
        money(tb.total_debit.0),
        money(tb.total_credit.0)
    );
    out.push('\n');
    out.push_str("</div>\n</section>\n");
}

fn balance_section(out: &mut String, name: &str, lines: &[BalanceLine], total: &str, amount: i64) {
    let _ = write!(out, "<tr class=\"head\"><td colspan=\"3\">{name}</td></tr>");
    for l in lines {
        balance_line(out, l);
    }
    let _ = write!(
        out,
        "<tr class=\"total\"><td></td><td>{total}</td><td class=\"n\">{}</td></tr>",
        money(amount)
    );
}

fn balance_line(out: &mut String, l: &BalanceLine) {
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
        esc(&l.code),
        esc(&l.name),
        money(l.amount.0)
    );
}

/// Maps values onto a vertical pixel range with integer arithmetic.
struct Scale {
    min: i64,
    max: i64,
    top: i64,
    bottom: i64,
}

impl Scale {
    /// A range that includes zero and every value, never empty.
    fn new(values: impl Iterator<Item = i64>, top: i64, bottom: i64) -> Scale {
        let (mut min, mut max) = (0, 0);
        for v in values {
            min = min.min(v);
            max = max.max(v);
        }
        if min == max {
            max = min + 100;
        }
        Scale {
            min,
            max,
            top,
            bottom,
        }
    }

    fn y(&self, value: i64) -> i64 {
        let span = i128::from(self.max - self.min);
        let offset = i128::from(self.max - value) * i128::from(self.bottom - self.top) / span;
        self.top + offset as i64
    }

    /// Gridlines: the ends and three values between, as (y, label).
    fn ticks(&self) -> Vec<(i64, String)> {
        (0..=4)
            .map(|k| {
                let value = self.min + (self.max - self.min) * k / 4;
                (self.y(value), compact(value))
            })
            .collect()
    }
}

const WIDTH: i64 = 620;
const HEIGHT: i64 = 280;
const LEFT: i64 = 56;
const RIGHT: i64 = 10;
const TOP: i64 = 12;
const BOTTOM: i64 = 236;

fn axes(out: &mut String, scale: &Scale) {
    for (y, label) in scale.ticks() {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e4e7eb\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>",
            WIDTH - RIGHT,
            LEFT - 6,
            y + 4
        );
    }
    let zero = scale.y(0);
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{zero}\" x2=\"{}\" y2=\"{zero}\" stroke=\"#9aa5b1\"/>",
        WIDTH - RIGHT
    );
}

fn month_label(out: &mut String, x: i64, month: &str, index: usize, count: usize) {
    // Every month when they fit, else every other one counting back from the last.
    let step = if count > 14 { 2 } else { 1 };
    if (count - 1 - index) % step == 0 {
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-45 {x} {})\">{month}</text>",
            BOTTOM + 14,
            BOTTOM + 14
        );
    }
}

fn pnl_chart(out: &mut String, i: usize, c: &CompanyPreview) {
    let months = &c.profit_and_loss;
    let scale = Scale::new(
        months.iter().flat_map(|m| [m.income.0, m.expenses.0]),
        TOP,
        BOTTOM,
    );
    let _ = write!(
        out,
        "<svg id=\"chart-pnl-{i}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" aria-label=\"Revenue and expenses by month\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    axes(out, &scale);
    let count = months.len().max(1) as i64;
    let slot = (WIDTH - LEFT - RIGHT) / count;
    let bar = (slot * 2 / 5).max(1);
    let zero = scale.y(0);
    for (k, m) in months.iter().enumerate() {
        let x = LEFT + slot * k as i64 + slot / 10;
        for (n, (value, colour, what)) in [
            (m.income.0, INCOME, "income"),
            (m.expenses.0, EXPENSE, "expenses"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = scale.y(value);
            let (top, height) = if y < zero {
                (y, zero - y)
            } else {
                (zero, y - zero)
            };
            let _ = write!(
                out,
                "<rect class=\"bar-{what}\" x=\"{}\" y=\"{top}\" width=\"{bar}\" height=\"{}\" fill=\"{colour}\"><title>{} {what}: {}</title></rect>",
                x + bar * n as i64,
                height.max(1),
                m.month,
                money(value)
            );
        }
        month_label(out, x + bar, &m.month, k, months.len());
    }
    out.push_str("</svg>");
}

fn cash_chart(out: &mut String, i: usize, c: &CompanyPreview) {
    let points = &c.cash.month_ends;
    let scale = Scale::new(points.iter().map(|p| p.balance.0), TOP, BOTTOM);
    let _ = write!(
        out,
        "<svg id=\"chart-cash-{i}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" aria-label=\"Cash balance at month end\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    axes(out, &scale);
    let count = points.len().max(1) as i64;
    let slot = (WIDTH - LEFT - RIGHT) / count;
    let xy: Vec<(i64, i64)> = points
        .iter()
        .enumerate()
        .map(|(k, p)| (LEFT + slot * k as i64 + slot / 2, scale.y(p.balance.0)))
        .collect();
    if let (Some(first), Some(last)) = (xy.first(), xy.last()) {
        let zero = scale.y(0);
        let mut area = format!("M{} {zero}", first.0);
        let mut line = String::new();
        for (n, (x, y)) in xy.iter().enumerate() {
            let _ = write!(area, " L{x} {y}");
            let _ = write!(line, "{}{x} {y}", if n == 0 { "M" } else { " L" });
        }
        let _ = write!(area, " L{} {zero} Z", last.0);
        let _ = write!(
            out,
            "<path d=\"{area}\" fill=\"{CASH}\" fill-opacity=\"0.15\"/>\
             <path class=\"cash-line\" d=\"{line}\" fill=\"none\" stroke=\"{CASH}\" stroke-width=\"2\"/>"
        );
    }
    for (k, ((x, y), p)) in xy.iter().zip(points).enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{CASH}\"><title>{}: {}</title></circle>",
            p.date,
            money(p.balance.0)
        );
        let month = p.date.format("%Y-%m").to_string();
        month_label(out, *x, &month, k, points.len());
    }
    out.push_str("</svg>");
}

fn aging_chart(out: &mut String, id: &str, aging: &AgingReport) {
    let buckets = aging.buckets();
    let max = buckets
        .iter()
        .map(|(_, a)| a.0.max(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, row, label_w, value_w) = (620_i64, 30_i64, 70_i64, 110_i64);
    let height = row * buckets.len() as i64 + 10;
    let _ = write!(
        out,
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"Aging buckets\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let span = width - label_w - value_w;
    for (k, ((label, amount), colour)) in buckets.iter().zip(AGING).enumerate() {
        let y = 5 + row * k as i64;
        let w = i64::try_from(i128::from(amount.0.max(0)) * i128::from(span) / i128::from(max))
            .unwrap_or(span);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>\
             <rect class=\"aging-bar\" x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{colour}\" rx=\"3\"><title>{label}: {}</title></rect>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            label_w - 8,
            y + 18,
            w.max(1),
            row - 8,
            money(amount.0),
            label_w + w + 6,
            y + 18,
            money(amount.0)
        );
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_maps_the_range_onto_pixels_and_keeps_zero() {
        let scale = Scale::new([500, 1000].into_iter(), 10, 210);
        assert_eq!((scale.min, scale.max), (0, 1000));
        assert_eq!(scale.y(1000), 10);
        assert_eq!(scale.y(0), 210);
        assert_eq!(scale.y(500), 110);
        let negative = Scale::new([-100, 300].into_iter(), 0, 400);
        assert_eq!(negative.y(0), 300);
        let flat = Scale::new(std::iter::empty(), 0, 100);
        assert_eq!(flat.y(0), 100);
        assert_eq!(flat.ticks().len(), 5);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("A&B <Co> \"q\" 'x'"),
            "A&amp;B &lt;Co&gt; &quot;q&quot; &#39;x&#39;"
        );
    }
}
