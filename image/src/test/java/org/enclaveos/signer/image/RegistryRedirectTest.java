package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Registry credentials go only where they were configured for. A registry that needs Basic
 * credentials answers on 127.0.0.1 and redirects its blob downloads, as registries do to object
 * stores and CDNs; the "CDN" is another loopback host (127.0.0.2) that records what it was sent.
 */
class RegistryRedirectTest {
    private static final byte[] BLOB = "layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = "sha256:" + Hash256.sha256(BLOB).hex();
    private static final String SECRET = "ceremony:s3cret";

    @TempDir
    Path dir;
    HttpServer registry;
    HttpServer cdn;
    /** The Authorization header of every request the CDN received ("" when none). */
    final List<String> cdnSaw = new CopyOnWriteArrayList<>();
    volatile String redirectTo;

    @BeforeEach
    void start() throws IOException {
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
        cdn.createContext("/", ex -> {
            cdnSaw.add(Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse(""));
            answer(ex, 200, BLOB);
        });
        cdn.start();
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Basic " + Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
                answer(ex, 401, new byte[0]);
                return;
            }
            ex.getResponseHeaders().add("Location", redirectTo);
            answer(ex, 307, new byte[0]);
        });
        registry.start();
    }

    @AfterEach
    void stop() {
        registry.stop(0);
        cdn.stop(0);
    }

    private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private RegistryClient client(Set<String> insecure) throws IOException {
        String host = "127.0.0.1:" + registry.getAddress().getPort();
        Path auth = Files.writeString(dir.resolve("auth.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        return new RegistryClient(ImageReference.parse(host + "/team/app:1"),
                new RegistryClient.Options(insecure, Optional.of(auth), Duration.ofSeconds(10)));
    }

    private byte[] fetch(RegistryClient c) throws IOException {
        try (InputStream in = c.openRaw(new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", DIGEST, BLOB.length, null))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRedirectedBlobIsFetchedWithoutTheRegistrysCredentials() throws IOException {
        redirectTo = "http://127.0.0.2:" + cdn.getAddress().getPort() + "/objects/blob?sig=x";
        assertArrayEquals(BLOB, fetch(client(Set.of())));
        assertEquals(List.of(""), cdnSaw, "the CDN got no Authorization header");
    }

    @Test
    void aRedirectToPlainHttpElsewhereIsRefusedBeforeAnythingIsSent() throws IOException {
        // A DNS name that merely starts with 127. is not loopback: no plain HTTP, no credentials.
        redirectTo = "http://127.evil.test:" + cdn.getAddress().getPort() + "/blob";
        SignerException e = assertThrows(SignerException.class, () -> fetch(client(Set.of())));
        assertEquals(ErrorKind.REGISTRY, e.kind());
        assertTrue(e.getMessage().endsWith("redirected to http://127.evil.test:" + cdn.getAddress().getPort()
                + ", refused (TLS only, except loopback or --insecure-registry)"), e.getMessage());
        redirectTo = "ftp://127.0.0.2/blob";
        assertThrows(SignerException.class, () -> fetch(client(Set.of())));
        assertEquals(List.of(), cdnSaw);
    }

    @Test
    void redirectsAreBounded() throws IOException {
        redirectTo = "/v2/team/app/blobs/" + DIGEST; // the registry redirects to itself, for ever
        SignerException e = assertThrows(SignerException.class, () -> fetch(client(Set.of())));
        assertTrue(e.getMessage().endsWith("more than " + RegistryClient.MAX_REDIRECTS + " redirects"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, true", "127.255.3.4, true", "localhost, true", "[::1], true", "::1, true",
        "127.evil.test, false", "127.0.0.1.nip.io, false", "127.1, false", "127.0.0.256, false", "128.0.0.1, false",
        "localhost.example, false", "0127.0.0.1, false"})
    void loopbackIsAnAddressNotANameThatLooksLikeOne(String host, boolean loopback) {
        assertEquals(loopback, ImageReference.isLoopbackHost(host), host);
    }

    @Test
    void aRegistryNamed127SomethingGetsTls() {
        RegistryClient c = new RegistryClient(ImageReference.parse("127.evil.test/app:1"), RegistryClient.Options.defaults());
        assertTrue(c.baseUrl().startsWith("https://127.evil.test/"), c.baseUrl());
        assertFalse(ImageReference.parse("127.evil.test:5000/app:1").isLoopbackRegistry());
        assertTrue(ImageReference.parse("127.0.0.1:5000/app:1").isLoopbackRegistry());
    }
}
