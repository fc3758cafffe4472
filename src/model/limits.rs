//! Size limits that keep an absurd spec from exhausting memory or disk.
//!
//! Validation refuses a spec beyond these with a diagnostic at the field, so the
//! simulation can assume them.

pub const MIN_MONTHS: u32 = 12;
pub const MAX_MONTHS: u32 = 18;
pub const DEFAULT_MONTHS: u32 = 18;
pub const MAX_COMPANIES: usize = 50;
pub const MAX_PERSONAS: usize = 200;
pub const MAX_CUSTOMERS: u32 = 500_000;
pub const MAX_VENDORS: u32 = 100_000;
pub const MAX_PRODUCTS: u32 = 10_000;
/// Mean documents per party per month, in thousandths (50 a month).
pub const MAX_DOCUMENTS_PER_PARTY_MONTH: u32 = 50_000;
/// Predicted rows a build compiles: the base dump plus, for each
/// `time_travel` offset, the whole scenario moved forward
/// (`validate::size`). Measured: about 1.6 s of one core per million
/// predicted rows for a base build, 2 s with offsets (docs/architecture.md).
pub const MAX_PREDICTED_ROWS: u64 = 10_000_000;
/// Predicted peak memory of `build`, in bytes. Set below 1 GB with room for
/// the prediction's error: every spec under it was measured within 1 GB peak
/// RSS (docs/architecture.md, "Bounded work").
pub const MAX_PREDICTED_MEMORY: u64 = 768 << 20;
/// Customers and vendors over all companies: each costs work every month
/// whatever its activity.
pub const MAX_PARTIES: u64 = 200_000;
pub const MAX_PAYMENT_TERMS_DAYS: u32 = 365;
pub const MAX_TIME_TRAVEL_OFFSETS: usize = 24;
/// A time-travel offset may move at most this many days beyond `as_of`.
pub const MAX_TIME_TRAVEL_DAYS: u32 = 3 * 366;
/// Bank accounts per company (the operating account included).
pub const MAX_BANK_ACCOUNTS: usize = 10;
pub const MAX_EMPLOYEES: u32 = 5_000;
/// Opening stock per goods product, in units.
pub const MAX_OPENING_UNITS: u32 = 1_000_000;
