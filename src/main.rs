fn main() -> std::process::ExitCode {
    joinsim::cli::main()
}
