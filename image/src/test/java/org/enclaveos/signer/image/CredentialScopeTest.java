package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where credentials may go, rule by rule (the registry's own traffic is RegistryRedirectTest's). */
class CredentialScopeTest {
    static final CredentialScope TLS = new CredentialScope(URI.create("https://registry.example/v2/team/app"),
            Set.of("plain.example:5000"));
    static final CredentialScope LOCAL = new CredentialScope(URI.create("http://127.0.0.1:5000/v2/app"), Set.of());

    @ParameterizedTest
    @CsvSource({"https://cdn.example/x, true", "HTTPS://cdn.example/x, true", "http://cdn.example/x, false",
        "http://127.0.0.1:9/x, true", "http://127.evil.test/x, false", "http://[::1]:9/x, true", "http://localhost/x, true",
        "http://plain.example:5000/x, true", "http://plain.example/x, false", "http://plain.example:5001/x, false",
        "ftp://cdn.example/x, false", "file:///etc/passwd, false"})
    void transport(String uri, boolean allowed) {
        assertEquals(allowed, TLS.transportAllowed(URI.create(uri)), uri);
    }

    @org.junit.jupiter.api.Test
    void noHostIsNotLoopback() {
        assertEquals(false, CredentialScope.isLoopback(null));
        assertEquals(false, TLS.transportAllowed(URI.create("http:relative")));
    }

    @ParameterizedTest
    @CsvSource({"https://registry.example/v2/x, true", "https://REGISTRY.example:443/v2/x, true",
        "https://registry.example:8443/v2/x, false", "http://registry.example/v2/x, false",
        "https://registry.example.evil/v2/x, false", "https://cdn.example/v2/x, false"})
    void onlyTheRegistryItselfGetsCredentials(String uri, boolean registry) {
        assertEquals(registry, TLS.isRegistry(URI.create(uri)), uri);
    }

    @ParameterizedTest
    @CsvSource({"http://127.0.0.1:5000/v2/x, true", "http://127.0.0.1/v2/x, false", "http://127.0.0.2:5000/v2/x, false",
        "https://127.0.0.1:5000/v2/x, false"})
    void portsAndSchemesCount(String uri, boolean registry) {
        assertEquals(registry, LOCAL.isRegistry(URI.create(uri)), uri);
    }

    @ParameterizedTest
    @CsvSource({"/v2/team/app/blobs/x, https://registry.example/v2/team/app/blobs/x",
        "https://cdn.example/b?sig=1, https://cdn.example/b?sig=1", "http://127.0.0.2:80/b, http://127.0.0.2:80/b"})
    void redirectsFollowTheTransportRule(String location, String expected) {
        assertEquals(URI.create(expected), TLS.redirect(URI.create("https://registry.example/v2/team/app/blobs/y"), location, "blob"));
    }

    @ParameterizedTest
    @CsvSource({"http://cdn.example/b", "http://127.evil.test/b", "ftp://cdn.example/b"})
    void aDowngradingRedirectIsRefusedNamingWhere(String location) {
        SignerException e = assertThrows(SignerException.class,
                () -> TLS.redirect(URI.create("https://registry.example/v2/x"), location, "blob"));
        assertEquals(ErrorKind.REGISTRY, e.kind());
        URI u = URI.create(location);
        assertEquals("blob: redirected to " + u.getScheme() + "://" + u.getAuthority() + ", refused (TLS only, except "
                + "loopback or --insecure-registry)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"http://a b/"})
    void aMalformedRedirectIsRefused(String location) {
        SignerException e = assertThrows(SignerException.class,
                () -> TLS.redirect(URI.create("https://registry.example/v2/x"), location, "blob"));
        assertEquals("blob: a redirect to a malformed address", e.getMessage());
    }
}
