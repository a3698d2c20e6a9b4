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
final class FaultProxy implements AutoCloseable {
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

    FaultProxy(String upstreamHost) throws IOException {
        this.upstream = "http://" + upstreamHost;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
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
