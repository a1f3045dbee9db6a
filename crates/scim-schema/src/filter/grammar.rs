//! The filter grammar of RFC 7644 section 3.4.2.2, by recursive descent.
//!
//! ```text
//! FILTER    = orExp
//! orExp     = andExp *("or" andExp)                    ; and binds tighter
//! andExp    = unary *("and" unary)
//! unary     = "not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath
//! attrExp   = attrPath "pr" / attrPath compareOp compValue
//! valuePath = attrPath "[" valFilter "]" ["." subAttr ("pr" / compareOp compValue)]
//! compValue = "false" / "null" / "true" / number / string
//! ```
//!
//! Keywords and operators are case-insensitive. `valFilter` is a FILTER whose paths
//! are sub-attributes and which holds no further value path. Depth and term counts are
//! bounded by [`FilterLimits`].

use serde_json::Number;

use super::lexer::{Tok, Token, error, tokenize};
use super::{CompValue, CompareOp, Filter, FilterLimits};
use crate::{AttributePath, PatchPath, SchemaError};

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
    depth: usize,
    terms: usize,
    limits: FilterLimits,
    /// Whether a comparison value may be a bare word (`userName sw O`), read as a
    /// string unless it is a keyword or a number.
    bare_values: bool,
}

/// Parses a whole filter; `bare_values` accepts comparison values without quotes.
pub(super) fn parse_filter(
    input: &str,
    limits: FilterLimits,
    bare_values: bool,
) -> Result<Filter, SchemaError> {
    let mut parser = Parser::new(input, limits)?;
    parser.bare_values = bare_values;
    let filter = parser.or_expression(false)?;
    parser.expect_end()?;
    Ok(filter)
}

/// Parses a PATCH path: `attrPath ["[" valFilter "]" ["." subAttr]]`.
pub(crate) fn parse_patch_path(input: &str) -> Result<PatchPath, SchemaError> {
    let mut parser = Parser::new(input, FilterLimits::default())?;
    let (word, pos) = match parser.next() {
        Token {
            tok: Tok::Word(word),
            pos,
        } => (word, pos),
        other => return Err(error(other.pos, "expected an attribute path")),
    };
    let mut attribute = parser.path(word, pos)?;
    let mut value_filter = None;
    if parser.peek() == &Tok::LBracket {
        if attribute.sub_attribute.is_some() {
            return Err(error(
                parser.pos(),
                "a value filter must follow the attribute, not a sub-attribute",
            ));
        }
        parser.next();
        value_filter = Some(parser.bracketed()?);
        if let Tok::Word(word) = *parser.peek() {
            let pos = parser.next().pos;
            attribute.sub_attribute = Some(parser.sub_attribute(word, pos)?);
        }
    }
    parser.expect_end()?;
    Ok(PatchPath {
        attribute,
        value_filter,
    })
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, limits: FilterLimits) -> Result<Self, SchemaError> {
        if input.len() > limits.max_len {
            return Err(error(
                limits.max_len,
                format!("the filter is longer than {} bytes", limits.max_len),
            ));
        }
        Ok(Self {
            tokens: tokenize(input)?,
            at: 0,
            depth: 0,
            terms: 0,
            limits,
            bare_values: false,
        })
    }

    fn peek(&self) -> &Tok<'a> {
        &self.tokens[self.at].tok
    }

    fn pos(&self) -> usize {
        self.tokens[self.at].pos
    }

    fn next(&mut self) -> Token<'a> {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(&mut self, tok: Tok<'static>, what: &str) -> Result<(), SchemaError> {
        if *self.peek() == tok {
            self.next();
            Ok(())
        } else {
            Err(error(self.pos(), format!("expected {what}")))
        }
    }

    fn expect_end(&self) -> Result<(), SchemaError> {
        match self.peek() {
            Tok::End => Ok(()),
            Tok::Word(w) => Err(error(
                self.pos(),
                format!("unexpected {w:?}; expected 'and', 'or' or the end"),
            )),
            _ => Err(error(
                self.pos(),
                "unexpected token; expected 'and', 'or' or the end",
            )),
        }
    }

    fn or_expression(&mut self, in_value_path: bool) -> Result<Filter, SchemaError> {
        let mut left = self.and_expression(in_value_path)?;
        while self.peek_keyword("or") {
            self.next();
            let right = self.and_expression(in_value_path)?;
            left = left.or(right);
        }
        Ok(left)
    }

    fn and_expression(&mut self, in_value_path: bool) -> Result<Filter, SchemaError> {
        let mut left = self.unary(in_value_path)?;
        while self.peek_keyword("and") {
            self.next();
            let right = self.unary(in_value_path)?;
            left = left.and(right);
        }
        Ok(left)
    }

    fn unary(&mut self, in_value_path: bool) -> Result<Filter, SchemaError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(error(
                self.pos(),
                format!("nested deeper than {} levels", self.limits.max_depth),
            ));
        }
        let filter = self.unary_inner(in_value_path);
        self.depth -= 1;
        filter
    }

    fn unary_inner(&mut self, in_value_path: bool) -> Result<Filter, SchemaError> {
        let token = self.next();
        match token.tok {
            Tok::Word(w) if w.eq_ignore_ascii_case("not") && *self.peek() == Tok::LParen => {
                self.next();
                let inner = self.or_expression(in_value_path)?;
                self.expect(Tok::RParen, "')'")?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Tok::LParen => {
                let inner = self.or_expression(in_value_path)?;
                self.expect(Tok::RParen, "')'")?;
                Ok(inner)
            }
            Tok::Word(word) => self.attribute_expression(word, token.pos, in_value_path),
            Tok::End => Err(error(
                token.pos,
                "unexpected end; expected an attribute path, '(' or 'not'",
            )),
            _ => Err(error(token.pos, "expected an attribute path, '(' or 'not'")),
        }
    }

    fn attribute_expression(
        &mut self,
        word: &str,
        pos: usize,
        in_value_path: bool,
    ) -> Result<Filter, SchemaError> {
        let path = self.path(word, pos)?;
        if *self.peek() != Tok::LBracket {
            return self.comparison(path);
        }
        if in_value_path {
            return Err(error(
                self.pos(),
                "a value filter cannot hold another value filter",
            ));
        }
        if path.sub_attribute.is_some() {
            return Err(error(
                self.pos(),
                "a value filter must follow the attribute, not a sub-attribute",
            ));
        }
        self.next();
        let mut filter = self.bracketed()?;
        // Entra: `emails[type eq "work"].value eq "x"` means
        // `emails[type eq "work" and value eq "x"]`.
        if let Tok::Word(word) = *self.peek()
            && word.starts_with('.')
        {
            let pos = self.next().pos;
            let sub = self.sub_attribute(word, pos)?;
            filter = filter.and(self.comparison(AttributePath::new(sub))?);
        }
        Ok(Filter::ValuePath {
            path,
            filter: Box::new(filter),
        })
    }

    /// After `[`: a value filter and its `]`.
    fn bracketed(&mut self) -> Result<Filter, SchemaError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(error(
                self.pos(),
                format!("nested deeper than {} levels", self.limits.max_depth),
            ));
        }
        let filter = self.or_expression(true);
        self.depth -= 1;
        let filter = filter?;
        self.expect(Tok::RBracket, "']'")?;
        Ok(filter)
    }

    /// `.name` after a value filter.
    fn sub_attribute(&self, word: &str, pos: usize) -> Result<String, SchemaError> {
        let Some(name) = word.strip_prefix('.') else {
            return Err(error(pos, format!("unexpected {word:?} after ']'")));
        };
        let path = self.path(name, pos + 1)?;
        if path.schema.is_some() || path.sub_attribute.is_some() {
            return Err(error(pos, format!("{word:?} is not a sub-attribute name")));
        }
        Ok(path.name)
    }

    fn path(&self, word: &str, pos: usize) -> Result<AttributePath, SchemaError> {
        AttributePath::parse(word).map_err(|e| match e {
            SchemaError::InvalidPath { message, .. } => error(pos, message),
            other => other,
        })
    }

    /// `pr`, or an operator and a value, after an attribute path.
    fn comparison(&mut self, path: AttributePath) -> Result<Filter, SchemaError> {
        self.terms += 1;
        if self.terms > self.limits.max_terms {
            return Err(error(
                self.pos(),
                format!("more than {} comparisons", self.limits.max_terms),
            ));
        }
        let token = self.next();
        let Tok::Word(word) = token.tok else {
            return Err(error(
                token.pos,
                "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)",
            ));
        };
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(word) else {
            return Err(error(
                token.pos,
                format!("{word:?} is not an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)"),
            ));
        };
        let value = self.value()?;
        Ok(Filter::Compare { path, op, value })
    }

    fn value(&mut self) -> Result<CompValue, SchemaError> {
        let token = self.next();
        match token.tok {
            Tok::Str(text) => Ok(CompValue::String(text)),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Ok(CompValue::Bool(true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Ok(CompValue::Bool(false)),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Ok(CompValue::Null),
            Tok::Word(w) => match serde_json::from_str::<Number>(w) {
                Ok(number) => Ok(CompValue::Number(number)),
                Err(_) if self.bare_values => Ok(CompValue::String(w.to_owned())),
                Err(_) => Err(error(
                    token.pos,
                    format!("{w:?} is not a value; quote strings"),
                )),
            },
            _ => Err(error(
                token.pos,
                "expected a value: a string, number, true, false or null",
            )),
        }
    }
}
