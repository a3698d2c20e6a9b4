package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.api.Test;

/** Registry failures are said in words, never as a Java class name. */
class RegistryErrorsTest {
    static final ImageReference REF = ImageReference.parse("registry.example/team/app:1");

    @Test
    void transportFailuresInWords() {
        Duration t = Duration.ofSeconds(7);
        assertEquals("timed out after 7 s (--registry-timeout)", RegistryErrors.describe(new HttpTimeoutException("x"), t));
        assertEquals("host name not resolved", RegistryErrors.describe(new IOException(new UnknownHostException("h")), t));
        assertEquals("host name not resolved", RegistryErrors.describe(
                new IOException(new java.nio.channels.UnresolvedAddressException()), t));
        assertEquals("cannot connect (connection refused, or the host is unreachable)",
                RegistryErrors.describe(new ConnectException(), t));
        assertTrue(RegistryErrors.describe(new javax.net.ssl.SSLHandshakeException("PKIX path building failed"), t)
                .startsWith("TLS failed (PKIX path building failed)"));
        assertEquals("the connection failed: reset", RegistryErrors.describe(new IOException("reset"), t));
        assertEquals("the connection failed", RegistryErrors.describe(new IOException(), t));
    }

    @Test
    void aNotFoundSaysWhatIsMissing() {
        assertEquals("repository team/app not found on registry.example", RegistryErrors.notFound(REF, "manifest 1",
                "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8), () -> true));
        assertEquals("repository team/app not found on registry.example", RegistryErrors.notFound(REF, "manifest 1",
                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8), () -> false));
        assertEquals("docker://registry.example/team/app:1: manifest 1 not found (the repository exists)",
                RegistryErrors.notFound(REF, "manifest 1", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"
                        .getBytes(StandardCharsets.UTF_8), () -> true));
        assertEquals("docker://registry.example/team/app:1: blob sha256:x not found in the repository",
                RegistryErrors.notFound(REF, "blob sha256:x", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}"
                        .getBytes(StandardCharsets.UTF_8), () -> true));
        assertEquals("docker://registry.example/team/app:1: manifest 1 not found (HTTP 404)",
                RegistryErrors.notFound(REF, "manifest 1", "<html>404</html>".getBytes(StandardCharsets.UTF_8), () -> true));
        assertEquals("docker://registry.example/team/app:1: manifest 1 not found (HTTP 404)",
                RegistryErrors.notFound(REF, "manifest 1", new byte[0], () -> true));
    }

    @Test
    void nobodyListeningIsOneLineWithoutAClassName() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        RegistryClient c = new RegistryClient(ImageReference.parse("127.0.0.1:" + port + "/app:1"),
                new RegistryClient.Options(Set.of(), Optional.empty(), Duration.ofSeconds(5)));
        SignerException e = assertThrows(SignerException.class, c::top);
        assertEquals(ErrorKind.REGISTRY, e.kind());
        assertEquals("127.0.0.1:" + port + ": manifest 1: cannot connect (connection refused, or the host is unreachable)",
                e.getMessage());
        assertFalse(e.getMessage().contains("java."), e.getMessage());
    }
}
