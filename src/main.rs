//! The `plasmite` command.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (text, code) = plasmite::run(&args);
    if code == 0 {
        println!("{text}");
    } else {
        eprintln!("{text}");
    }
    std::process::exit(code);
}
