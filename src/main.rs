fn main() -> std::process::ExitCode {
    demoforge::cli::main()
}
