//! The invoice a batch is: supplier, invoice number, invoice date and currency, kept with its run.

use serde::{Deserialize, Serialize};

/// The header of an invoice, as far as it is known (from the file's title rows, a supplier
/// profile or flags).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceHeader {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// ISO 8601 (`2026-12-03`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_date: Option<String>,
    /// ISO 4217 (`EUR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl InvoiceHeader {
    pub fn is_empty(&self) -> bool {
        self.supplier.is_none()
            && self.invoice_number.is_none()
            && self.invoice_date.is_none()
            && self.currency.is_none()
    }

    /// Each field from `self`, else from `other` (`flags.or(profile).or(title_rows)`).
    pub fn or(self, other: InvoiceHeader) -> InvoiceHeader {
        InvoiceHeader {
            supplier: self.supplier.or(other.supplier),
            invoice_number: self.invoice_number.or(other.invoice_number),
            invoice_date: self.invoice_date.or(other.invoice_date),
            currency: self.currency.or(other.currency),
        }
    }

    /// `supplier · invoice number · date · currency`, the fields known; `None` when none is.
    pub fn summary(&self) -> Option<String> {
        let parts: Vec<&str> = [
            &self.supplier,
            &self.invoice_number,
            &self.invoice_date,
            &self.currency,
        ]
        .into_iter()
        .filter_map(|f| f.as_deref())
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_that_knows_a_field_wins() {
        let flags = InvoiceHeader {
            invoice_number: Some("A-1".into()),
            ..InvoiceHeader::default()
        };
        let titles = InvoiceHeader {
            supplier: Some("ACME".into()),
            invoice_number: Some("4711".into()),
            ..InvoiceHeader::default()
        };
        let h = flags.or(titles);
        assert_eq!(h.invoice_number.as_deref(), Some("A-1"));
        assert_eq!(h.supplier.as_deref(), Some("ACME"));
        assert_eq!(h.summary().as_deref(), Some("ACME · A-1"));
        assert_eq!(InvoiceHeader::default().summary(), None);
    }
}
