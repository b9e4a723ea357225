//! The keyword index's schema. Bump [`SCHEMA_VERSION`] whenever fields or analysis change:
//! an index of another version is rebuilt from the store on open.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};

pub const SCHEMA_VERSION: u32 = 1;

/// English text: lower-cased, long tokens dropped, Porter-stemmed (tantivy's built-in `en_stem`).
pub const ENGLISH: &str = "en_stem";
/// Names and ids: lower-cased, not stemmed (tantivy's built-in `default`).
pub const PLAIN: &str = "default";

#[derive(Clone, Copy)]
pub struct Fields {
    /// The canonical arXiv id, exact.
    pub id: Field,
    pub title: Field,
    pub abstract_text: Field,
    /// One value per author.
    pub authors: Field,
    /// One value per category, exact (`cs.LG`).
    pub categories: Field,
    /// Days since 1970-01-01 of the announcement (or first submission) day; absent when unknown.
    pub day: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str, stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        title: builder.add_text_field("title", text(ENGLISH, true)),
        abstract_text: builder.add_text_field("abstract", text(ENGLISH, false)),
        authors: builder.add_text_field("authors", text(PLAIN, false)),
        categories: builder.add_text_field("categories", STRING),
        day: builder.add_i64_field("day", NumericOptions::default().set_indexed().set_fast().set_stored()),
    };
    (builder.build(), fields)
}
