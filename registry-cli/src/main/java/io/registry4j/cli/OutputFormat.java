package io.registry4j.cli;

/** How a command prints: a table for people, or JSON for programs ({@code -o json}). */
enum OutputFormat {
    /** Aligned columns and sentences, for a terminal. */
    TABLE,
    /** JSON: Kratos' {@code ServiceInstance} objects; {@code watch} prints one object per line. */
    JSON
}
