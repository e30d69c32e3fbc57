package io.registry4j.cli;

import io.registry4j.RegistryException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * How the command line reports failure: one line on standard error that names the command, says what was tried and
 * what to do, and an exit code ({@link CliException#USAGE} 2 or {@link CliException#RUNTIME} 1). The stack trace is
 * printed only with {@code --verbose}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    private final Cli cli;

    Errors(Cli cli) {
        this.cli = cli;
    }

    /** A failure of a command while it ran. */
    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        String command = commandLine.getCommandSpec().qualifiedName();
        int code;
        String message;
        if (e instanceof CliException c) {
            code = c.exitCode();
            message = String.valueOf(c.getMessage());
        } else if (e instanceof RegistryException r) {
            CliException c = RegistryOptions.failure(r.backend() + " registry", r);
            code = c.exitCode();
            message = String.valueOf(c.getMessage());
        } else if (e instanceof IllegalArgumentException) {
            // ServiceInstance and the API's argument checks: the message names the field and the value.
            code = CliException.USAGE;
            message = String.valueOf(e.getMessage());
        } else {
            code = CliException.RUNTIME;
            message = "unexpected " + e + (cli.verbose() ? "" : " (run again with --verbose for the stack trace)");
        }
        report(command, message, e);
        return code;
    }

    /** A command line that does not parse: a missing argument, an unknown option, a value of the wrong type. */
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        String command = commandLine.getCommandSpec().qualifiedName();
        // picocli says "Value for option option '--meta' …"; once is enough.
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()).replace("option option ", "option "));
        List<String> unmatched = e instanceof CommandLine.UnmatchedArgumentException u0 ? u0.getUnmatched() : List.of();
        if (commandLine.getParent() == null
                && !unmatched.isEmpty()
                && !unmatched.get(0).startsWith("-")) {
            // The root takes no parameters: a first word it does not match is not a command: say that, not picocli's
            // "Unmatched argument at index 0".
            message = new StringBuilder("unknown command '" + unmatched.get(0) + "'");
        }
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                message.append("; did you mean ")
                        .append(String.join(" or ", suggestions))
                        .append('?');
            }
        }
        message.append(" (see '").append(command).append(" --help')");
        report(command, message.toString(), e);
        return CliException.USAGE;
    }

    private void report(String command, String message, Exception e) {
        PrintWriter err = cli.err();
        err.println(command + ": " + message);
        if (cli.verbose()) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    /** The message of a registry failure without the {@code "<backend> <KIND>: "} prefix, plus its cause's. */
    static String describe(RegistryException e) {
        String message = String.valueOf(e.getMessage());
        String prefix = e.backend() + " " + e.kind() + ": ";
        if (message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + " (" + cause.getMessage() + ")";
        }
        return message;
    }
}
