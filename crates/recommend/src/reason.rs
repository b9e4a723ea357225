//! Why a paper is in a reader's list: every recommended card says it.

use serde::{Deserialize, Serialize};

use crate::Liking;

/// One reason a paper was recommended. `Display` gives the sentence shown on the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The liked paper closest to this one ("like 2605.01234 you upvoted").
    Like { id: String, how: Liking },
    /// "matches your saved search 'diffusion video'".
    SavedSearch { name: String },
    /// "by Jane Doe, whom you follow".
    Author { name: String },
    /// "in cs.RO, which you follow".
    Category { category: String },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Like { id, how } => {
                let verb = match how {
                    Liking::Upvoted => "upvoted",
                    Liking::Saved => "saved",
                };
                write!(f, "like {id} you {verb}")
            }
            Reason::SavedSearch { name } => write!(f, "matches your saved search '{name}'"),
            Reason::Author { name } => write!(f, "by {name}, whom you follow"),
            Reason::Category { category } => write!(f, "in {category}, which you follow"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_the_issue_spells_them() {
        let like = Reason::Like {
            id: "2605.01234".into(),
            how: Liking::Upvoted,
        };
        assert_eq!(like.to_string(), "like 2605.01234 you upvoted");
        let search = Reason::SavedSearch {
            name: "diffusion video".into(),
        };
        assert_eq!(search.to_string(), "matches your saved search 'diffusion video'");
        let author = Reason::Author {
            name: "Jane Doe".into(),
        };
        assert_eq!(author.to_string(), "by Jane Doe, whom you follow");
        let category = Reason::Category {
            category: "cs.RO".into(),
        };
        assert_eq!(category.to_string(), "in cs.RO, which you follow");
        assert_eq!(
            serde_json::to_string(&like).unwrap_or_default(),
            r#"{"kind":"like","id":"2605.01234","how":"upvoted"}"#
        );
    }
}
