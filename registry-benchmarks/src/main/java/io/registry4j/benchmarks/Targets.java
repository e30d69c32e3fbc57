package io.registry4j.benchmarks;

import io.registry4j.ServiceRegistry;

/** Opens a registry4j client of a backend by name and address: how JMH forks reach the run's server. */
public final class Targets {
    private Targets() {}

    /**
     * Opens a registry.
     *
     * @param backend {@code etcd}, {@code ZooKeeper}, {@code Nacos} or {@code Eureka}
     * @param address the server address as the target reports it
     * @return an open registry
     */
    public static ServiceRegistry open(String backend, String address) {
        return switch (backend) {
            case "etcd" -> EtcdTarget.open(address);
            case "ZooKeeper" -> ZooKeeperTarget.open(address);
            case "Nacos" -> NacosTarget.open(address);
            case "Eureka" -> EurekaTarget.open(address);
            default -> throw new IllegalArgumentException("unknown backend '" + backend + "'");
        };
    }
}
