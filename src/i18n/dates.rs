//! Localized dates from patterns kept in the .ftl files (Fluent has no DATETIME builtin).

use fluent_bundle::FluentArgs;

use super::Locales;
use crate::content::Date;

/// A date as templates use it: the ISO form for `<time datetime>` and the localized text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LocalizedDate {
    pub iso: String,
    pub long: String,
}

/// Formats with the message `date-long`, which receives `$year`, `$month`, `$day`, and the
/// localized names `$weekday` (from `weekday-1` … `weekday-7`, Monday first) and `$monthname`
/// (from `month-1` … `month-12`). Without a `date-long` message the ISO date is shown.
///
/// `Locales::load` has checked that `date-long` and every name it uses exist and format with
/// these arguments (an error naming the .ftl file otherwise), so nothing here fails for a site
/// that loaded; a name that `date-long` does not use may be missing and is then left empty.
pub fn localize(locales: &Locales, lang: &str, date: Date) -> LocalizedDate {
    let mut args = FluentArgs::new();
    args.set("year", date.year);
    args.set("month", date.month);
    args.set("day", date.day);
    let name = |key: String| locales.get(lang, &key, None);
    args.set(
        "weekday",
        name(format!("weekday-{}", date.weekday())).unwrap_or_default(),
    );
    args.set(
        "monthname",
        name(format!("month-{}", date.month)).unwrap_or_default(),
    );
    let iso = date.to_string();
    let long = locales
        .get(lang, "date-long", Some(&args))
        .unwrap_or_else(|| iso.clone());
    LocalizedDate { iso, long }
}
