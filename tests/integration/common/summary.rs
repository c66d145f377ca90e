//! A benchmark's measurements summed up for its table and its JSON.

use serde_json::json;

/// Median, p95, min, max (ms) and how many.
pub struct Summary {
    pub count: usize,
    pub median: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(mut ms: Vec<f64>) -> Self {
        assert!(!ms.is_empty(), "nothing measured");
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        Self {
            count: ms.len(),
            median: at(0.5),
            p95: at(0.95),
            min: ms[0],
            max: ms[ms.len() - 1],
        }
    }

    pub fn row(&self, name: &str) -> String {
        format!(
            "{name:<44}{:>7}{:>9.0}ms{:>9.0}ms{:>9.0}ms{:>9.0}ms",
            self.count, self.median, self.p95, self.min, self.max
        )
    }

    pub fn json(&self) -> serde_json::Value {
        json!({ "count": self.count, "median_ms": self.median, "p95_ms": self.p95,
                "min_ms": self.min, "max_ms": self.max })
    }
}
