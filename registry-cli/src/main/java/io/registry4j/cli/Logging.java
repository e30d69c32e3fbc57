package io.registry4j.cli;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends log records to the command's error writer, one line each: the library's own ({@code System.Logger}, which
 * the JDK routes to {@code java.util.logging}) and the native clients' and the embedded ZooKeeper's (SLF4J, bound to
 * {@code java.util.logging} in the runnable jar).
 *
 * <p>Design: the command line prints what matters itself (snapshots, registration states, errors), so by default
 * logs are off except library errors; {@code --verbose} turns on the library's warnings and debug lines and everyone
 * else's warnings. The servers' and clients' info chatter never reaches the terminal. The loggers configured here
 * are held in static fields because {@code java.util.logging} keeps only weak references to them.
 */
final class Logging {
    private static final Logger ROOT = Logger.getLogger("");
    private static final Logger LIBRARY = Logger.getLogger("io.registry4j");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Logging() {}

    static synchronized void configure(Cli cli) {
        for (Handler h : ROOT.getHandlers()) {
            ROOT.removeHandler(h);
        }
        ROOT.addHandler(new LineHandler(cli.err()));
        ROOT.setLevel(cli.verbose() ? Level.WARNING : Level.OFF);
        LIBRARY.setLevel(cli.verbose() ? Level.FINE : Level.SEVERE);
    }

    /** One line per record on the given writer. */
    private static final class LineHandler extends Handler {
        private final PrintWriter err;

        LineHandler(PrintWriter err) {
            this.err = err;
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            String logger = String.valueOf(r.getLoggerName());
            String line = TIME.format(LocalTime.ofInstant(r.getInstant(), ZoneId.systemDefault())) + " "
                    + r.getLevel().getName() + " " + logger.substring(logger.lastIndexOf('.') + 1) + ": "
                    + formatMessage(r) + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")");
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        }

        private static String formatMessage(LogRecord r) {
            String message = String.valueOf(r.getMessage());
            Object[] parameters = r.getParameters();
            if (parameters == null || parameters.length == 0) {
                return message;
            }
            try {
                return java.text.MessageFormat.format(message, parameters);
            } catch (IllegalArgumentException e) {
                return message;
            }
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
