package org.enclaveos.signer.image;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.enclaveos.signer.testing.Tools;

/**
 * A real distribution registry (Debian's docker-registry) on a free 127.0.0.1 port, with its own
 * configuration and storage directory; optionally with htpasswd authentication. Stopped on close.
 */
public final class LocalRegistry implements AutoCloseable {
    public final int port;
    public final String host;
    private final Process process;
    private final Path log;

    private LocalRegistry(int port, Process process, Path log) {
        this.port = port;
        this.host = "127.0.0.1:" + port;
        this.process = process;
        this.log = log;
    }

    /** @param htpasswd a bcrypt htpasswd file, or null for an open registry */
    public static LocalRegistry start(Path dir, Path htpasswd) throws IOException, InterruptedException {
        Tools.require("docker-registry");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("storage"));
        String config = "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + storage
                + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + port + "\n  relativeurls: true\n"
                + (htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd + "\n");
        Path cfg = Files.writeString(dir.resolve("config.yml"), config);
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder("docker-registry", "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalRegistry r = new LocalRegistry(port, p, log);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try {
                HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(URI.create("http://" + r.host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200 || resp.statusCode() == 401) {
                    return r;
                }
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        r.close();
        throw new IllegalStateException("docker-registry did not start: " + Files.readString(log));
    }

    /** Copies an image into this registry with skopeo (an independent client). */
    public void push(ImageReference from, String repositoryAndTag, String creds) {
        Tools.require("skopeo");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("skopeo", "copy", "--quiet",
                "--dest-tls-verify=false"));
        if (creds != null) {
            cmd.add("--dest-creds=" + creds);
        }
        cmd.add(from.toString());
        cmd.add("docker://" + host + "/" + repositoryAndTag);
        Tools.ok(cmd.toArray(String[]::new));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }
}
