package io.registry4j.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Reads and writes durations the way registry URLs do: {@code 500ms}, {@code 15s}, {@code 2m}, or ISO-8601. */
class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    Durations() {}

    /** Also accepts zero, for pauses that can be turned off. */
    static final class OrZero extends Durations {
        OrZero() {}

        @Override
        public Duration convert(String value) {
            return parse(value, true);
        }
    }

    @Override
    public Duration convert(String value) {
        return parse(value, false);
    }

    static Duration parse(String value, boolean zeroAllowed) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(v);
        try {
            Duration d;
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } else {
                d = Duration.parse(value.strip());
            }
            if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                throw new CommandLine.TypeConversionException("must be positive, got '" + value + "'");
            }
            return d;
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; write it like 500ms, 10s, 2m or PT10S");
        }
    }

    /** Formats a duration for people: {@code 850 ms}, {@code 1.25 s}, {@code 10 s}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 1000 == 0) {
            return (ms / 1000) + " s";
        }
        return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }

    /** Formats nanoseconds for people, with sub-millisecond precision below 10 ms. */
    static String formatNanos(long nanos) {
        if (nanos < 10_000_000L) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1_000_000.0);
        }
        return format(Duration.ofNanos(nanos));
    }
}
