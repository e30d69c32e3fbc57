package io.registry4j.cli;

import io.registry4j.RegistryException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * How the command line reports failure: one line on standard error that names the command, says what was tried and
 * what to do, and an exit code ({@link CliException#USAGE} 2 or {@link CliException#RUNTIME} 1). The stack trace is
 * printed only with {@code --verbose}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    private static final Pattern KEY_VALUE = Pattern.compile(
            "Value for option '([^']+)' \\(KEY=VALUE\\) should be in KEY=VALUE format but was (.*)", Pattern.DOTALL);

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
        String text = String.valueOf(e.getMessage()).replace("option option ", "option ");
        Matcher keyValue = KEY_VALUE.matcher(text);
        if (keyValue.matches()) {
            // picocli's "Value for option '--meta' (KEY=VALUE) should be in KEY=VALUE format but was a"
            text = "option '" + keyValue.group(1) + "' takes KEY=VALUE, such as zone=eu-1a, got '" + keyValue.group(2)
                    + "'";
        }
        StringBuilder message = new StringBuilder(text);
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
            if (suggestions.isEmpty() && commandLine.getParent() == null && !unmatched.isEmpty()) {
                // picocli suggests only on a shared prefix; a swapped or missing letter ("lsit") deserves one too.
                suggestions = closeNames(
                        unmatched.get(0), commandLine.getSubcommands().keySet());
            }
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

    /** The names at most two edits (insertions, deletions, substitutions, swaps of neighbours) from a typed word. */
    static List<String> closeNames(String typed, Collection<String> names) {
        List<String> close = new ArrayList<>();
        for (String name : names) {
            if (name.length() > 2 && editDistance(typed, name) <= Math.min(2, name.length() / 2)) {
                close.add(name);
            }
        }
        return close;
    }

    /** The optimal string alignment distance: Levenshtein's, plus a swap of two neighbouring letters as one edit. */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
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
