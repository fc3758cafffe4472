//! The preview as JSON, for CI: fields in declaration order, amounts as
//! decimal strings, dates as `YYYY-MM-DD`.

use super::Preview;

pub fn render(preview: &Preview) -> String {
    let mut text = serde_json::to_string_pretty(preview).expect("the preview serialises");
    text.push('\n');
    text
}
