package io.registry4j.testservers.nacos;

import com.alibaba.nacos.NacosServerBasicApplication;
import com.alibaba.nacos.NacosServerWebApplication;
import com.alibaba.nacos.core.listener.startup.NacosStartUp;
import com.alibaba.nacos.core.listener.startup.NacosStartUpManager;
import com.alibaba.nacos.sys.env.DeploymentType;
import com.alibaba.nacos.sys.env.EnvUtil;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts a standalone Nacos server without its console, the way the official distribution's {@code NacosBootstrap}
 * does for the deployment type {@code server} (that module is not published): a core context without a web server,
 * then the server's web context (HTTP API and gRPC) as its child.
 *
 * <p>Everything else (ports, directories, auth off) comes from system properties and the
 * {@code application.properties} that {@code NacosServer} writes; see there. Runs in its own JVM only: its classpath
 * would clash with {@code nacos-client} in a test JVM.
 */
public final class NacosServerMain {
    /** Printed once both contexts run; the test harness waits for the HTTP readiness endpoint instead. */
    public static final String READY_LINE = "registry4j: nacos server started";

    private NacosServerMain() {}

    /**
     * Starts the server; the JVM keeps running on the server's non-daemon threads. If the start fails (a port is
     * taken), the JVM exits with status 1 at once instead of idling on those threads, so the harness sees it.
     *
     * @param args passed to Spring Boot
     */
    public static void main(String[] args) {
        try {
            start(args);
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println(READY_LINE);
    }

    private static void start(String[] args) {
        EnvUtil.setDeploymentType(DeploymentType.SERVER);
        NacosStartUpManager.start(NacosStartUp.CORE_START_UP_PHASE);
        ConfigurableApplicationContext core = new SpringApplicationBuilder(NacosServerBasicApplication.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .run(args);
        NacosStartUpManager.start(NacosStartUp.WEB_START_UP_PHASE);
        new SpringApplicationBuilder(NacosServerWebApplication.class)
                .parent(core)
                .bannerMode(Banner.Mode.OFF)
                .run(args);
    }
}
