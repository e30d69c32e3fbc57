package io.registry4j.benchmarks;

import io.registry4j.ServiceInstance;
import io.registry4j.spi.KratosJson;
import java.nio.charset.StandardCharsets;

/** The instances every measure registers: instance {@code i} has id {@code i<i>} and port 10000 + i. */
final class Instances {
    static final String HOST = "127.0.0.1";

    private Instances() {}

    static int port(int i) {
        return 10_000 + (i % 50_000);
    }

    static String id(int i) {
        return "i" + i;
    }

    /** The number of an id made by {@link #id}, or -1. */
    static int number(String id) {
        if (id.length() < 2 || id.charAt(0) != 'i') {
            return -1;
        }
        try {
            return Integer.parseInt(id, 1, id.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static ServiceInstance of(String service, int i) {
        return ServiceInstance.builder()
                .id(id(i))
                .name(service)
                .version("v1.0.0")
                .putMetadata("zone", "zone-a")
                .putMetadata("weight", "100")
                .putMetadata("env", "bench")
                .endpoint("grpc://" + HOST + ":" + port(i))
                .build();
    }

    static String kratosJson(String service, int i) {
        return KratosJson.encode(of(service, i));
    }

    static byte[] kratosBytes(String service, int i) {
        return kratosJson(service, i).getBytes(StandardCharsets.UTF_8);
    }
}
