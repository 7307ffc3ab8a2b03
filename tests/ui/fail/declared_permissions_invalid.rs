#![allow(unused_imports)]

warden::permissions! {
    pub enum Perm {
        Read = "models:read",
        ReadAgain = "models:read",
        Spaced = "read models",
    }
}

fn main() {}
