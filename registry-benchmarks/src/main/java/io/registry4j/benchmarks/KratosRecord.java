package io.registry4j.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * Kratos' instance JSON as plain Jackson databind reads it: what an SDK user without registry4j would decode into.
 *
 * @param id the instance id
 * @param name the service name
 * @param version the version
 * @param metadata the metadata
 * @param endpoints the endpoints
 */
public record KratosRecord(
        String id, String name, String version, Map<String, String> metadata, List<String> endpoints) {}
