package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small HTTP proxy on 127.0.0.1 in front of a real registry that injects faults on request: error
 * answers, a connection dropped half-way through a body, a corrupted body, an answer that comes too
 * late, a body that stops half-way and stays silent. Loopback only.
 */
public final class FaultProxy implements AutoCloseable {
    enum Kind { STATUS, DROP, CORRUPT, SLOW_HEADERS, STALL }

    /** {@code delayMillis}: how long SLOW_HEADERS waits before answering, STALL stays silent mid-body. */
    record Fault(Kind kind, String method, Predicate<String> path, int status, long delayMillis) {
        Fault(Kind kind, String method, Predicate<String> path, int status) {
            this(kind, method, path, status, 0);
        }
    }

    private static final Set<String> HOP = Set.of("host", "content-length", "connection", "transfer-encoding", "upgrade",
            "keep-alive", "expect");

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService handlers = Executors.newFixedThreadPool(8);
    private final String upstream;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    final AtomicInteger injected = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    /** Token authentication (null: none): the user:password the token service accepts. */
    private volatile String tokenUser;
    /** The realm the challenges name (default: this proxy's /token). */
    volatile String realm;
    /** Tokens issued, each with the scopes granted ("repository:NAME:pull,push" entries). */
    private final java.util.Map<String, Set<String>> tokens = new java.util.concurrent.ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> scopesAsked = new ConcurrentLinkedQueue<>();

    /**
     * With the OCI 1.1 referrers API (distribution 2.8 has none): manifests pushed with a subject are
     * indexed here, and {@code GET /v2/NAME/referrers/DIGEST} lists them, {@code pageSize} per page
     * with a {@code Link} header to the next.
     */
    private volatile boolean referrersApi;
    private volatile int pageSize = 1;
    private final java.util.Map<String, List<String>> referrers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Referrers requests answered (API mode). */
    public final AtomicInteger referrerPages = new AtomicInteger();

    public void simulateReferrersApi(int pageSize) {
        this.pageSize = pageSize;
        referrersApi = true;
    }

    public FaultProxy(String upstreamHost) throws IOException {
        this.upstream = "http://" + upstreamHost;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.createContext("/token", this::token);
        server.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Makes the proxy a registry with Bearer-token authentication, as Docker Hub and most cloud
     * registries are: each /v2/ request needs a token whose scope covers the repository and action,
     * else 401 with a challenge naming the scope; /token issues tokens for {@code user:password}
     * (Basic) and grants only the scopes asked for.
     */
    void requireTokens(String userColonPassword) {
        tokenUser = userColonPassword;
    }

    private void token(HttpExchange ex) throws IOException {
        try (ex) {
            String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(tokenUser.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            Set<String> granted = new java.util.HashSet<>();
            String query = ex.getRequestURI().getRawQuery();
            for (String kv : query == null ? new String[0] : query.split("&")) {
                if (kv.startsWith("scope=")) {
                    String scope = java.net.URLDecoder.decode(kv.substring(6), java.nio.charset.StandardCharsets.UTF_8);
                    scopesAsked.add(scope);
                    granted.addAll(List.of(scope.split(" ")));
                }
            }
            String token = java.util.UUID.randomUUID().toString();
            tokens.put(token, granted);
            byte[] body = ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
    }

    /** The scopes a request needs: its repository (pull, or pull,push to write), and a mount's source. */
    private static List<String> scopesNeeded(String method, java.net.URI uri) {
        String path = uri.getRawPath();
        int end = path.indexOf("/manifests/") >= 0 ? path.indexOf("/manifests/") : path.indexOf("/blobs/");
        if (!path.startsWith("/v2/") || end < 0) {
            return List.of();
        }
        String repo = path.substring(4, end);
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        List<String> needed = new java.util.ArrayList<>(List.of("repository:" + repo + ":" + (write ? "pull,push" : "pull")));
        String query = uri.getRawQuery();
        for (String kv : query == null ? new String[0] : query.split("&")) {
            if (kv.startsWith("from=")) {
                needed.add("repository:" + java.net.URLDecoder.decode(kv.substring(5), java.nio.charset.StandardCharsets.UTF_8)
                        + ":pull");
            }
        }
        return needed;
    }

    private boolean authorized(HttpExchange ex, List<String> needed) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        Set<String> granted = header != null && header.startsWith("Bearer ") ? tokens.get(header.substring(7)) : null;
        if (granted == null) {
            return false;
        }
        for (String scope : needed) {
            String resource = scope.substring(0, scope.lastIndexOf(':'));
            Set<String> actions = Set.of(scope.substring(scope.lastIndexOf(':') + 1).split(","));
            boolean covered = granted.stream().anyMatch(g -> g.startsWith(resource + ":")
                    && Set.of(g.substring(resource.length() + 1).split(",")).containsAll(actions));
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private void indexReferrer(String repo, byte[] manifest) throws IOException {
        com.fasterxml.jackson.databind.JsonNode m = JSON.readTree(manifest);
        if (!m.path("subject").isObject()) {
            return;
        }
        com.fasterxml.jackson.databind.node.ObjectNode d = JSON.createObjectNode()
                .put("mediaType", m.path("mediaType").asText())
                .put("digest", "sha256:" + org.enclaveos.signer.sgx.Hash256.sha256(manifest).hex()).put("size", manifest.length)
                .put("artifactType", m.path("artifactType").asText(m.at("/config/mediaType").asText()));
        if (m.has("annotations")) {
            d.set("annotations", m.get("annotations"));
        }
        List<String> list = referrers.computeIfAbsent(repo + "@" + m.at("/subject/digest").asText(),
                k -> new java.util.concurrent.CopyOnWriteArrayList<>());
        if (!list.contains(d.toString())) {
            list.add(d.toString());
        }
    }

    private void referrerPage(HttpExchange ex, String repo, String digest) throws IOException {
        referrerPages.incrementAndGet();
        List<String> all = referrers.getOrDefault(repo + "@" + digest, List.of());
        String query = ex.getRequestURI().getRawQuery();
        int from = query != null && query.startsWith("page=") ? Integer.parseInt(query.substring(5)) : 0;
        int to = Math.min(all.size(), from + pageSize);
        byte[] body = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + String.join(",", all.subList(from, to)) + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/vnd.oci.image.index.v1+json");
        if (to < all.size()) {
            ex.getResponseHeaders().set("Link", "</v2/" + repo + "/referrers/" + digest + "?page=" + to + ">; rel=\"next\"");
        }
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    void inject(Fault f) {
        faults.add(f);
    }

    private Fault take(String method, String path) {
        for (Fault f : faults) {
            if (f.method().equals(method) && f.path().test(path) && faults.remove(f)) {
                injected.incrementAndGet();
                return f;
            }
        }
        return null;
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        Fault fault = take(method, path);
        try (ex) {
            java.util.regex.Matcher listing = java.util.regex.Pattern.compile("/v2/(.+)/referrers/(sha256:[0-9a-f]{64})")
                    .matcher(path);
            if (referrersApi && method.equals("GET") && listing.matches()) {
                referrerPage(ex, listing.group(1), listing.group(2));
                return;
            }
            if (tokenUser != null && path.startsWith("/v2/")) {
                List<String> needed = scopesNeeded(method, ex.getRequestURI());
                if (!needed.isEmpty() && !authorized(ex, needed) || needed.isEmpty() && !path.equals("/v2/")
                        && ex.getRequestHeaders().getFirst("Authorization") == null) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\""
                            + (realm != null ? realm : "http://" + host() + "/token") + "\","
                            + "service=\"fault-proxy\"" + (needed.isEmpty() ? "" : ",scope=\"" + String.join(" ", needed) + "\""));
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
            }
            if (fault != null && fault.kind() == Kind.STATUS) {
                ex.sendResponseHeaders(fault.status(), -1);
                return;
            }
            if (fault != null && fault.kind() == Kind.SLOW_HEADERS) {
                Thread.sleep(fault.delayMillis());
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((k, v) -> {
                if (!HOP.contains(k.toLowerCase())) {
                    v.forEach(value -> req.header(k, value));
                }
            });
            HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (referrersApi && method.equals("PUT") && path.contains("/manifests/") && resp.statusCode() == 201) {
                indexReferrer(path.substring(4, path.indexOf("/manifests/")), body);
            }
            resp.headers().map().forEach((k, v) -> {
                if (!HOP.contains(k.toLowerCase()) && !k.startsWith(":")) {
                    ex.getResponseHeaders().put(k, List.copyOf(v));
                }
            });
            byte[] out = resp.body();
            if (method.equals("HEAD") || out.length == 0) {
                long declared = resp.headers().firstValueAsLong("Content-Length").orElse(0);
                if (method.equals("HEAD") && declared > 0) {
                    ex.getResponseHeaders().set("Content-Length", Long.toString(declared));
                }
                ex.sendResponseHeaders(resp.statusCode(), -1);
                return;
            }
            if (fault != null && fault.kind() == Kind.CORRUPT) {
                out = out.clone();
                out[out.length / 2] ^= 0x55;
            }
            ex.sendResponseHeaders(resp.statusCode(), out.length);
            OutputStream os = ex.getResponseBody();
            if (fault != null && (fault.kind() == Kind.DROP || fault.kind() == Kind.STALL)) {
                os.write(out, 0, out.length / 2);
                os.flush();
                if (fault.kind() == Kind.STALL) {
                    Thread.sleep(fault.delayMillis());
                }
                // Cut the connection with the body half sent.
                throw new IOException("dropped on purpose");
            }
            os.write(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow(); // wakes handlers still sleeping in a SLOW_HEADERS or STALL fault
    }

}
