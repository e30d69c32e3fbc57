package io.registry4j.cli;

import io.registry4j.ServiceInstance;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Small things several commands share. */
final class Commands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Commands() {}

    /**
     * Checks a service name given on the command line.
     *
     * @throws CliException of {@link CliException#USAGE} naming the value and the rule
     */
    static String serviceName(String name) {
        try {
            return ServiceInstance.checkName(name);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("'" + name + "' is not a valid service name: it " + rule(e), e);
        }
    }

    /** The rule part of a {@code ServiceInstance} validation message: {@code must be ..., got "x"}. */
    static String rule(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int must = message.indexOf(" must ");
        return must < 0 ? message : message.substring(must + 1);
    }

    /** A wall-clock time for a terminal line: {@code 17:41:02.123}, in the local time zone. */
    static String time(Instant instant) {
        return TIME.format(LocalTime.ofInstant(instant, ZoneId.systemDefault()));
    }
}
