package io.registry4j.spring.cloud;

import io.registry4j.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/** Maps registry4j instances to Spring Cloud ones. */
final class Registry4jServiceInstances {
    private Registry4jServiceInstances() {}

    /** The instances that have an HTTP endpoint, in the registry's order. */
    static List<org.springframework.cloud.client.ServiceInstance> http(List<ServiceInstance> instances) {
        List<org.springframework.cloud.client.ServiceInstance> out = new ArrayList<>(instances.size());
        for (ServiceInstance i : instances) {
            Registry4jServiceInstance s = Registry4jServiceInstance.of(i);
            if (s != null) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }
}
