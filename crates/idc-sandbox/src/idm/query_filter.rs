//! CREST `_queryFilter` parsing and evaluation, plus `_sortKeys` ordering.
//!
//! The grammar is the one IDM and AM accept: `true`, `false`, `<ptr> pr`,
//! `<ptr> <op> <value>` with `eq co sw gt ge lt le`, `and`, `or`, `!`, and
//! parentheses. Values are quoted strings (single or double quotes, backslash
//! escapes), numbers, `true`, `false` or `null`. String matching ignores case,
//! as the DS-backed repository of a tenant does.

use serde_json::Value;
use std::cmp::Ordering;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    True,
    False,
    Present(Vec<String>),
    Compare(Vec<String>, Op, Value),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Co,
    Sw,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Anything a filter can be evaluated against: it answers a field by JSON pointer.
pub trait FieldSource {
    fn field(&self, pointer: &[String]) -> Option<Value>;
}

impl FieldSource for Value {
    fn field(&self, pointer: &[String]) -> Option<Value> {
        let mut current = self;
        for segment in pointer {
            current = match current {
                Value::Object(map) => map.get(segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current.clone())
    }
}

/// Splits `/name/given`, `name/given` or `sn` into pointer segments.
pub fn parse_pointer(text: &str) -> Vec<String> {
    text.trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Bang,
    Word(String),
    Quoted(String),
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '!' => {
                chars.next();
                tokens.push(Token::Bang);
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some(ch) = chars.next() {
                    match ch {
                        '\\' => match chars.next() {
                            Some(escaped) => text.push(escaped),
                            None => return Err("unterminated escape sequence".into()),
                        },
                        ch if ch == quote => {
                            closed = true;
                            break;
                        }
                        ch => text.push(ch),
                    }
                }
                if !closed {
                    return Err("unterminated quoted string".into());
                }
                tokens.push(Token::Quoted(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' || ch == '\'' {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.and()?];
        while self.peek_keyword("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.not()?];
        while self.peek_keyword("and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn not(&mut self) -> Result<Filter, String> {
        if self.peek() == Some(&Token::Bang) {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("expected ')'".into()),
                }
            }
            Some(Token::Word(word)) if word == "true" => Ok(Filter::True),
            Some(Token::Word(word)) if word == "false" => Ok(Filter::False),
            Some(Token::Word(word)) => {
                let pointer = parse_pointer(&word);
                if pointer.is_empty() && word != "/" {
                    return Err(format!("invalid field '{word}'"));
                }
                let op = match self.next() {
                    Some(Token::Word(op)) => op,
                    _ => return Err(format!("expected an operator after '{word}'")),
                };
                let op = match op.as_str() {
                    "pr" => return Ok(Filter::Present(pointer)),
                    "eq" => Op::Eq,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    other => {
                        return Err(format!(
                            "unrecognized or unsupported filter operator '{other}'"
                        ));
                    }
                };
                let value = match self.next() {
                    Some(Token::Quoted(text)) => Value::String(text),
                    Some(Token::Word(w)) if w == "true" => Value::Bool(true),
                    Some(Token::Word(w)) if w == "false" => Value::Bool(false),
                    Some(Token::Word(w)) if w == "null" => Value::Null,
                    Some(Token::Word(w)) => serde_json::from_str::<serde_json::Number>(&w)
                        .map(Value::Number)
                        .map_err(|_| format!("invalid value '{w}'"))?,
                    _ => return Err("expected a value".into()),
                };
                Ok(Filter::Compare(pointer, op, value))
            }
            Some(Token::Quoted(_)) => Err("a field name cannot be quoted".into()),
            Some(Token::Close) => Err("unexpected ')'".into()),
            Some(Token::Bang) => Err("unexpected '!'".into()),
            None => Err("unexpected end of filter".into()),
        }
    }
}

impl Filter {
    /// Parses a filter; the error names what is wrong (callers wrap it in the CREST message).
    pub fn parse(input: &str) -> Result<Filter, String> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Err("empty filter".into());
        }
        let mut parser = Parser { tokens, pos: 0 };
        let filter = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err("unexpected trailing input".into());
        }
        Ok(filter)
    }

    pub fn matches(&self, source: &dyn FieldSource) -> bool {
        match self {
            Filter::True => true,
            Filter::False => false,
            Filter::Present(pointer) => match source.field(pointer) {
                None | Some(Value::Null) => false,
                Some(Value::Array(items)) => !items.is_empty(),
                Some(_) => true,
            },
            Filter::Compare(pointer, op, expected) => match source.field(pointer) {
                None => false,
                Some(Value::Array(items)) => items.iter().any(|item| compare(item, *op, expected)),
                Some(actual) => compare(&actual, *op, expected),
            },
            Filter::And(parts) => parts.iter().all(|p| p.matches(source)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(source)),
            Filter::Not(inner) => !inner.matches(source),
        }
    }
}

fn compare(actual: &Value, op: Op, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let a = a.to_lowercase();
            let e = e.to_lowercase();
            match op {
                Op::Eq => a == e,
                Op::Co => a.contains(&e),
                Op::Sw => a.starts_with(&e),
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
            }
        }
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (
                a.as_f64().unwrap_or(f64::NAN),
                e.as_f64().unwrap_or(f64::NAN),
            );
            match op {
                Op::Eq => a == e,
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
                Op::Co | Op::Sw => false,
            }
        }
        (Value::Bool(a), Value::Bool(e)) => op == Op::Eq && a == e,
        (Value::Null, Value::Null) => op == Op::Eq,
        _ => false,
    }
}

/// One `_sortKeys` entry: a pointer, descending when written with a leading `-`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub pointer: Vec<String>,
    pub descending: bool,
}

/// Parses `_sortKeys` (`sn,-givenName`, `+/name/given`).
pub fn parse_sort_keys(text: &str) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (descending, field) = match part.as_bytes()[0] {
            b'-' => (true, &part[1..]),
            b'+' => (false, &part[1..]),
            _ => (false, part),
        };
        let pointer = parse_pointer(field);
        if pointer.is_empty() {
            return Err(format!("invalid sort key '{part}'"));
        }
        keys.push(SortKey {
            pointer,
            descending,
        });
    }
    Ok(keys)
}

/// Orders two field values for sorting: missing and null values sort last (ascending),
/// strings ignore case.
pub fn compare_values(a: &Option<Value>, b: &Option<Value>) -> Ordering {
    fn rank(v: &Option<Value>) -> u8 {
        match v {
            Some(Value::Bool(_)) => 0,
            Some(Value::Number(_)) => 1,
            Some(Value::String(_)) => 2,
            Some(Value::Array(_)) | Some(Value::Object(_)) => 3,
            Some(Value::Null) | None => 4,
        }
    }
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"sn":"Smith","givenName":"Ann","age":42,"active":true,
               "name":{"given":"Ann"},"tags":["a","b"],"empty":[],"nothing":null})
    }

    fn check(filter: &str) -> bool {
        Filter::parse(filter).unwrap().matches(&user())
    }

    #[test]
    fn literals() {
        assert!(check("true"));
        assert!(!check("false"));
    }

    #[test]
    fn every_operator() {
        assert!(check(r#"sn eq "smith""#));
        assert!(!check(r#"sn eq "smit""#));
        assert!(check(r#"sn co "mit""#));
        assert!(check(r#"sn sw "S""#));
        assert!(!check(r#"sn sw "m""#));
        assert!(check("age gt 41") && !check("age gt 42"));
        assert!(check("age ge 42") && !check("age ge 43"));
        assert!(check("age lt 43") && !check("age lt 42"));
        assert!(check("age le 42") && !check("age le 41"));
        assert!(check("age eq 42.0"));
        assert!(check("active eq true") && !check("active eq false"));
        assert!(
            check("sn pr") && !check("missing pr") && !check("nothing pr") && !check("empty pr")
        );
        assert!(check(r#"sn gt "Adams""#) && check(r#"sn lt "Zeta""#));
    }

    #[test]
    fn pointers_and_arrays() {
        assert!(check(r#"/sn eq "Smith""#));
        assert!(check(r#"/name/given eq "Ann""#));
        assert!(check(r#"name/given eq "Ann""#));
        assert!(check(r#"tags eq "b""#));
        assert!(!check(r#"missing eq "x""#));
    }

    #[test]
    fn precedence_and_grouping() {
        // and binds tighter than or
        assert!(check(r#"sn eq "x" and age eq 1 or sn eq "Smith""#));
        assert!(!check(r#"sn eq "x" and (age eq 1 or sn eq "Smith")"#));
        assert!(check(r#"!(sn eq "x")"#));
        assert!(!check(r#"!sn eq "Smith" or false"#));
        assert!(check(r#"!!(sn eq "Smith")"#));
        assert_eq!(
            Filter::parse("a pr or b pr and c pr").unwrap(),
            Filter::Or(vec![
                Filter::Present(vec!["a".into()]),
                Filter::And(vec![
                    Filter::Present(vec!["b".into()]),
                    Filter::Present(vec!["c".into()])
                ]),
            ])
        );
    }

    #[test]
    fn quoting_and_escapes() {
        let v = json!({"q":"say \"hi\"", "s":"it's"});
        assert!(Filter::parse(r#"q eq "say \"hi\"""#).unwrap().matches(&v));
        assert!(Filter::parse(r#"s eq 'it\'s'"#).unwrap().matches(&v));
        assert!(Filter::parse(r#"s eq "it's""#).unwrap().matches(&v));
    }

    #[test]
    fn bad_input_is_an_error() {
        for bad in [
            "",
            "sn",
            "sn eq",
            "sn ne \"x\"",
            "sn eq \"unterminated",
            "(sn pr",
            "sn pr)",
            "sn eq bareword",
            "\"sn\" eq \"x\"",
            "sn pr and",
            "!",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn sort_keys() {
        let keys = parse_sort_keys("sn,-givenName,+/name/given").unwrap();
        assert_eq!(keys.len(), 3);
        assert!(!keys[0].descending && keys[1].descending && !keys[2].descending);
        assert_eq!(
            keys[2].pointer,
            vec!["name".to_string(), "given".to_string()]
        );
        assert!(parse_sort_keys("-").is_err());
        let a = Some(json!("apple"));
        let b = Some(json!("Banana"));
        assert_eq!(compare_values(&a, &b), Ordering::Less);
        assert_eq!(compare_values(&None, &b), Ordering::Greater);
    }
}
