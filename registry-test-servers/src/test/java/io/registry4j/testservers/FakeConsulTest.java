package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.agent.model.NewService;
import com.ecwid.consul.v1.catalog.CatalogServicesRequest;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.Check;
import com.ecwid.consul.v1.health.model.HealthService;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fake Consul agent, driven by an independent client, {@code com.ecwid:consul-api} 1.4.5 (Java, on Gson and
 * Apache HttpClient 4), and by raw HTTP; answers are compared with the response bodies and status texts in Consul's
 * HTTP API documentation. The Kratos peer (Go, on {@code hashicorp/consul/api}) is the second client, in the interop
 * tests.
 */
@DisplayName("fake Consul agent, checked with consul-api and Consul's documented answers")
class FakeConsulTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeConsul fake = FakeConsul.builder().spuriousWakeUps(0).start();

    @AfterEach
    void stop() {
        fake.close();
    }

    private ConsulClient consulApi() {
        return new ConsulClient("127.0.0.1", fake.baseUri().getPort());
    }

    private HttpResponse<String> raw(String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(fake.baseUri() + path))
                        .method(
                                method,
                                body.isEmpty()
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static NewService service(String id, String name, String ttl) {
        var s = new NewService();
        s.setId(id);
        s.setName(name);
        s.setTags(List.of("version=1.0"));
        s.setAddress("10.0.0.7");
        s.setPort(9000);
        s.setMeta(Map.of("zone", "z1"));
        var check = new NewService.Check();
        check.setTtl(ttl);
        check.setDeregisterCriticalServiceAfter("1m");
        s.setCheck(check);
        return s;
    }

    private static HealthServicesRequest passing(boolean passing, QueryParams q) {
        return HealthServicesRequest.newBuilder()
                .setPassing(passing)
                .setQueryParams(q)
                .build();
    }

    @Test
    @DisplayName("fake Consul: a TTL check starts critical, so ?passing hides the service until its first pass")
    void ttlCheckStartsCritical() {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));

        Response<List<HealthService>> all = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT));
        assertThat(all.getValue()).hasSize(1);
        HealthService entry = all.getValue().get(0);
        assertThat(entry.getService().getId()).isEqualTo("a1");
        assertThat(entry.getService().getTags()).containsExactly("version=1.0");
        assertThat(entry.getService().getMeta()).containsEntry("zone", "z1");
        assertThat(entry.getChecks())
                .extracting(Check::getCheckId)
                .containsExactly("serfHealth", "service:a1"); // the single Check gets the default id service:<ID>
        assertThat(entry.getChecks().get(1).getStatus()).isEqualTo(Check.CheckStatus.CRITICAL);
        assertThat(c.getHealthServices("orders", passing(true, QueryParams.DEFAULT))
                        .getValue())
                .isEmpty();

        c.agentCheckPass("service:a1", "ok");

        List<HealthService> healthy = c.getHealthServices("orders", passing(true, QueryParams.DEFAULT))
                .getValue();
        assertThat(healthy).hasSize(1);
        assertThat(healthy.get(0).getChecks().get(1).getStatus()).isEqualTo(Check.CheckStatus.PASSING);
        assertThat(healthy.get(0).getChecks().get(1).getOutput()).isEqualTo("ok");
    }

    @Test
    @DisplayName("fake Consul: every read carries X-Consul-Index, never 0, and the leader headers")
    void readsCarryTheIndexHeaders() throws Exception {
        Response<List<HealthService>> r = consulApi().getHealthServices("nothing", passing(true, QueryParams.DEFAULT));
        assertThat(r.getValue()).isEmpty(); // an unknown service is an empty array, not a 404
        assertThat(r.getConsulIndex()).isPositive();
        assertThat(r.isConsulKnownLeader()).isTrue();
        assertThat(r.getConsulLastContact()).isZero();

        fake.lowerIndex(0); // a broken restore: the header still never says 0
        HttpResponse<String> raw = raw("GET", "/v1/health/service/nothing", "");
        assertThat(raw.headers().firstValue("X-Consul-Index")).hasValue("1");
        assertThat(raw.body()).isEqualTo("[]");
    }

    @Test
    @DisplayName("fake Consul: a health entry has the fields of the documented /v1/health/service answer")
    void healthEntryHasTheDocumentedShape() throws Exception {
        var tagged = "{\"grpc\":{\"Address\":\"grpc://10.0.0.7:9000\",\"Port\":9000}}";
        HttpResponse<String> put = raw(
                "PUT",
                "/v1/agent/service/register",
                "{\"ID\":\"a1\",\"Name\":\"orders\",\"Tags\":[\"version=1\"],\"Address\":\"10.0.0.7\",\"Port\":9000,"
                        + "\"Meta\":{\"k\":\"v\"},\"TaggedAddresses\":" + tagged
                        + ",\"Checks\":[{\"CheckID\":\"service:a1\",\"TTL\":\"20s\",\"Status\":\"passing\"}]}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEmpty();

        HttpResponse<String> r = raw("GET", "/v1/health/service/orders?passing", "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonArray entries = new JsonParser().parse(r.body()).getAsJsonArray();
        JsonObject entry = entries.get(0).getAsJsonObject();
        // The keys of the sample answer in Consul's "Health - List Service Instances" documentation.
        assertThat(entry.keySet()).containsExactly("Node", "Service", "Checks");
        assertThat(entry.getAsJsonObject("Node").keySet())
                .contains("ID", "Node", "Address", "Datacenter", "TaggedAddresses", "Meta");
        JsonObject svc = entry.getAsJsonObject("Service");
        assertThat(svc.keySet())
                .contains(
                        "ID",
                        "Service",
                        "Tags",
                        "Address",
                        "TaggedAddresses",
                        "Meta",
                        "Port",
                        "Weights",
                        "EnableTagOverride",
                        "CreateIndex",
                        "ModifyIndex");
        assertThat(svc.getAsJsonObject("Weights").toString()).isEqualTo("{\"Passing\":1,\"Warning\":1}");
        JsonObject addresses = svc.getAsJsonObject("TaggedAddresses");
        assertThat(addresses.getAsJsonObject("grpc").toString())
                .isEqualTo("{\"Address\":\"grpc://10.0.0.7:9000\",\"Port\":9000}");
        assertThat(addresses.keySet()).contains("lan_ipv4", "wan_ipv4"); // added for an IP service address
        JsonObject check = entry.getAsJsonArray("Checks").get(1).getAsJsonObject();
        assertThat(check.keySet())
                .contains(
                        "Node",
                        "CheckID",
                        "Name",
                        "Status",
                        "Notes",
                        "Output",
                        "ServiceID",
                        "ServiceName",
                        "ServiceTags",
                        "Type",
                        "CreateIndex",
                        "ModifyIndex");
        assertThat(check.get("Type").getAsString()).isEqualTo("ttl");
    }

    @Test
    @DisplayName("fake Consul: Checks without IDs are numbered service:<ID>:<n>, an explicit CheckID is kept")
    void checkIdsFollowTheAgentsDefaults() {
        var s = service("b1", "billing", "10s");
        s.setCheck(null);
        var ttl = new NewService.Check();
        ttl.setTtl("10s");
        var tcp = new NewService.Check();
        tcp.setTcp("127.0.0.1:1");
        tcp.setInterval("10s");
        s.setChecks(List.of(ttl, tcp));
        ConsulClient c = consulApi();
        c.agentServiceRegister(s);

        assertThat(c.getAgentChecks().getValue().keySet()).containsExactlyInAnyOrder("service:b1:1", "service:b1:2");
        assertThat(c.getAgentServices().getValue()).containsKey("b1");
    }

    @Test
    @DisplayName("fake Consul: a single check in Checks gets service:<ID> unnumbered, as the agent numbers only when "
            + "there are several")
    void singleCheckInChecksIsNotNumbered() {
        var s = service("c1", "billing", "10s");
        s.setCheck(null);
        var ttl = new NewService.Check();
        ttl.setTtl("10s");
        s.setChecks(List.of(ttl));
        ConsulClient c = consulApi();
        c.agentServiceRegister(s);
        assertThat(c.getAgentChecks().getValue().keySet()).containsExactly("service:c1");
    }

    @Test
    @DisplayName("fake Consul: re-registering keeps an existing check's status, even when a status is given")
    void reRegistrationKeepsCheckStatus() {
        ConsulClient c = consulApi();
        NewService s = service("a1", "orders", "10s");
        c.agentServiceRegister(s);
        assertThat(fake.checkStatus("service:a1")).isEqualTo("critical");
        s.getCheck().setStatus("passing");
        c.agentServiceRegister(s);
        assertThat(fake.checkStatus("service:a1")).isEqualTo("critical");
        c.agentServiceDeregister("a1");
        c.agentServiceRegister(s);
        assertThat(fake.checkStatus("service:a1")).isEqualTo("passing");
    }

    @Test
    @DisplayName("fake Consul: a blocking query holds until the service changes, then answers a higher index")
    void blockingQueryWaitsForAChange() {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));
        long index = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT))
                .getConsulIndex();

        CompletableFuture<Response<List<HealthService>>> blocked = CompletableFuture.supplyAsync(() ->
                consulApi().getHealthServices("orders", passing(false, new QueryParams(30, index))));
        Awaitility.await("the query is held by the agent")
                .until(() -> fake.requests().stream().anyMatch(r -> r.contains("index=" + index)));
        assertThat(blocked).isNotDone();

        c.agentServiceRegister(service("a2", "orders", "10s"));

        Response<List<HealthService>> answer = blocked.join();
        assertThat(answer.getConsulIndex()).isGreaterThan(index);
        assertThat(answer.getValue()).hasSize(2);
    }

    @Test
    @DisplayName("fake Consul: a wake-up without a change answers the same index and body")
    void spuriousWakeUpAnswersTheSameIndex() {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));
        long index = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT))
                .getConsulIndex();
        CompletableFuture<Response<List<HealthService>>> blocked = CompletableFuture.supplyAsync(() ->
                consulApi().getHealthServices("orders", passing(false, new QueryParams(30, index))));
        Awaitility.await().until(() -> fake.requests().stream().anyMatch(r -> r.contains("index=" + index)));

        fake.spuriousWakeUp();

        Response<List<HealthService>> answer = blocked.join();
        assertThat(answer.getConsulIndex()).isEqualTo(index);
        assertThat(answer.getValue()).hasSize(1);
    }

    @Test
    @DisplayName("fake Consul: a blocking query with no change answers after its wait with the same index")
    void blockingQueryTimesOut() {
        ConsulClient c = consulApi();
        long index = c.getCatalogServices(CatalogServicesRequest.newBuilder().build())
                .getConsulIndex();
        Response<Map<String, List<String>>> r = c.getCatalogServices(CatalogServicesRequest.newBuilder()
                .setQueryParams(new QueryParams(1, index))
                .build());
        assertThat(r.getConsulIndex()).isEqualTo(index);
        assertThat(r.getValue()).containsEntry("consul", List.of()); // Consul lists itself
    }

    @Test
    @DisplayName("fake Consul: after a restore the index goes backwards, and a query above it waits out its time")
    void lowerIndexGoesBackwards() throws Exception {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));
        long before = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT))
                .getConsulIndex();

        fake.lowerIndex(3);

        HttpResponse<String> r = raw("GET", "/v1/health/service/orders?index=" + before + "&wait=1s", "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Long.parseLong(r.headers().firstValue("X-Consul-Index").orElseThrow()))
                .isLessThan(before);
        assertThat(new JsonParser().parse(r.body()).getAsJsonArray()).hasSize(1);
    }

    @Test
    @DisplayName("fake Consul: a TTL check turns critical when no pass comes, and the reaper removes the service "
            + "after DeregisterCriticalServiceAfter, floored at one minute")
    void ttlExpiresAndTheReaperRemovesTheService() {
        var clock = new MutableClock();
        fake.close();
        fake = FakeConsul.builder().clock(clock).manualTicks().start();
        ConsulClient c = consulApi();
        NewService s = service("a1", "orders", "10s");
        s.getCheck().setDeregisterCriticalServiceAfter("10s"); // below the floor: counts as 1m
        c.agentServiceRegister(s);
        c.agentCheckPass("service:a1", "alive");

        clock.advance(Duration.ofSeconds(11));
        fake.tick();
        Check check = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT))
                .getValue()
                .get(0)
                .getChecks()
                .get(1);
        assertThat(check.getStatus()).isEqualTo(Check.CheckStatus.CRITICAL);
        assertThat(check.getOutput()).isEqualTo("TTL expired (last output before timeout follows): alive");

        clock.advance(Duration.ofSeconds(30)); // a reaper pass, critical for 30 s: under the 1-minute floor
        fake.tick();
        assertThat(fake.serviceIds()).containsExactly("a1");

        clock.advance(Duration.ofSeconds(31)); // the next reaper pass, critical for 61 s
        fake.tick();
        assertThat(fake.serviceIds()).isEmpty();
        assertThatThrownBy(() -> c.agentCheckPass("service:a1"))
                .isInstanceOfSatisfying(
                        OperationException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(404));
    }

    @Test
    @DisplayName("fake Consul: unknown IDs get 404 with the agent's texts")
    void unknownIdsGet404() {
        ConsulClient c = consulApi();
        assertThatThrownBy(() -> c.agentCheckPass("service:nope"))
                .isInstanceOfSatisfying(OperationException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getStatusContent())
                            .isEqualTo("Unknown check ID \"service:nope\". Ensure that the check ID is passed, not "
                                    + "the check name.");
                });
        assertThatThrownBy(() -> c.agentServiceDeregister("nope"))
                .isInstanceOfSatisfying(OperationException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getStatusContent())
                            .isEqualTo("Unknown service ID \"nope\". Ensure that the service ID is passed, not the "
                                    + "service name.");
                });
    }

    @Test
    @DisplayName("fake Consul: bad requests get 400, 404 and 405 with the agent's texts")
    void badRequests() throws Exception {
        HttpResponse<String> r = raw("PUT", "/v1/agent/service/register", "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("Request decode failed: ");

        r = raw("PUT", "/v1/agent/service/register", "{\"ID\":\"x\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("Missing service name");

        r = raw("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Address\":\"0.0.0.0\"}");
        assertThat(r.body()).isEqualTo("Invalid service address");

        r = raw("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Meta\":{\"a.b\":\"v\"}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("Invalid Service Meta: Key contains invalid characters");

        r = raw("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Meta\":{\"consul-x\":\"v\"}}");
        assertThat(r.body()).isEqualTo("Invalid Service Meta: Key prefix 'consul-' is reserved for internal use");

        r = raw("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Check\":{\"TTL\":\"20s\",\"Status\":\"up\"}}");
        assertThat(r.body()).isEqualTo("Status for checks must 'passing', 'warning', 'critical'");

        r = raw("GET", "/v1/health/service/x?index=1&wait=forever", "");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("Invalid wait time");

        r = raw("GET", "/v1/health/service/x?index=abc", "");
        assertThat(r.body()).isEqualTo("Invalid index");

        r = raw("GET", "/v1/agent/service/register", "");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("PUT");

        r = raw("GET", "/v1/no/such/endpoint", "");
        assertThat(r.statusCode()).isEqualTo(404);

        r = raw("GET", "/v1/health/service/x?dc=elsewhere", "");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("No path to datacenter");
    }

    @Test
    @DisplayName("fake Consul: re-registering keeps checks the new definition lacks, unless replace-existing-checks")
    void reRegistrationKeepsOldChecks() throws Exception {
        raw(
                "PUT",
                "/v1/agent/service/register",
                "{\"ID\":\"a\",\"Name\":\"s\",\"Checks\":[{\"CheckID\":\"c1\","
                        + "\"TTL\":\"10s\"},{\"CheckID\":\"c2\",\"TTL\":\"10s\"}]}");
        raw(
                "PUT",
                "/v1/agent/service/register",
                "{\"ID\":\"a\",\"Name\":\"s\",\"Checks\":[{\"CheckID\":\"c1\"," + "\"TTL\":\"10s\"}]}");
        assertThat(consulApi().getAgentChecks().getValue().keySet()).containsExactlyInAnyOrder("c1", "c2");

        raw(
                "PUT",
                "/v1/agent/service/register?replace-existing-checks",
                "{\"ID\":\"a\",\"Name\":\"s\"," + "\"Checks\":[{\"CheckID\":\"c1\",\"TTL\":\"10s\"}]}");
        assertThat(consulApi().getAgentChecks().getValue().keySet()).containsExactly("c1");
    }

    @Test
    @DisplayName("fake Consul: consul-api sends the token as ?token=, which the agent accepts; a wrong one gets 403")
    void tokens() throws Exception {
        fake.close();
        fake = FakeConsul.builder().aclToken("s3cret").start();
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"), "s3cret");
        assertThat(fake.tokenForms()).containsExactly("query");
        assertThatThrownBy(() -> c.agentServiceRegister(service("a2", "orders", "10s"), "wrong"))
                .isInstanceOfSatisfying(OperationException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(403);
                    assertThat(e.getStatusContent()).isEqualTo("ACL not found");
                });

        HttpResponse<String> viaHeader = http.send(
                HttpRequest.newBuilder(URI.create(fake.baseUri() + "/v1/catalog/services"))
                        .header("X-Consul-Token", "s3cret")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(fake.tokenForms()).contains("header");
        assertThat(raw("GET", "/v1/catalog/services", "").statusCode()).isEqualTo(403);
    }

    @Test
    @DisplayName("fake Consul: catalog/services lists consul itself and each name with its tags")
    void catalogServices() {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));
        Map<String, List<String>> names = c.getCatalogServices(
                        CatalogServicesRequest.newBuilder().build())
                .getValue();
        assertThat(new TreeSet<>(names.keySet())).isEqualTo(new TreeSet<>(Set.of("consul", "orders")));
        assertThat(names.get("orders")).containsExactly("version=1.0");
    }

    @Test
    @DisplayName("fake Consul: restarted empty, it forgets every service and its index starts low")
    void restartEmpty() {
        ConsulClient c = consulApi();
        c.agentServiceRegister(service("a1", "orders", "10s"));
        long before = fake.index();
        fake.restartEmpty();
        assertThat(fake.serviceIds()).isEmpty();
        Response<List<HealthService>> r = c.getHealthServices("orders", passing(false, QueryParams.DEFAULT));
        assertThat(r.getValue()).isEmpty();
        assertThat(r.getConsulIndex()).isLessThan(before);
    }

    /** A clock the test moves. */
    private static final class MutableClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }
}
