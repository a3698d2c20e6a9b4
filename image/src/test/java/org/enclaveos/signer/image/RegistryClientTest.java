package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RegistryClientTest {
    static String base(String ref, Set<String> insecure) {
        return new RegistryClient(ImageReference.parse(ref), new RegistryClient.Options(insecure, Optional.empty(),
                Duration.ofSeconds(5))).baseUrl();
    }

    @Test
    void tlsUnlessLoopbackOrNamedInsecure() {
        assertEquals("https://registry.example.com/v2/team/app", base("registry.example.com/team/app:1", Set.of()));
        assertEquals("http://registry.example.com/v2/team/app",
                base("registry.example.com/team/app:1", Set.of("registry.example.com")));
        assertEquals("https://registry.example.com:5000/v2/app",
                base("registry.example.com:5000/app:1", Set.of("registry.example.com")), "the name must match with its port");
        assertEquals("http://127.0.0.1:5000/v2/app", base("127.0.0.1:5000/app:1", Set.of()));
        assertEquals("http://localhost:5000/v2/app", base("localhost:5000/app:1", Set.of()));
        assertEquals("https://registry-1.docker.io/v2/library/nginx", base("nginx", Set.of()));
    }
}
