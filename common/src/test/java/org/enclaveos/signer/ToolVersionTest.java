package org.enclaveos.signer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * The jar's hash started early is the one asked for later, by every thread that asks (tests run from
 * class directories, where it is "not a jar"; LauncherIT checks it against sha256sum of the real jar).
 */
class ToolVersionTest {
    @Test
    void thePrefetchedHashIsTheOneEveryCallerGets() {
        ToolVersion.prefetchJarSha256();
        ToolVersion.prefetchJarSha256(); // a second start is a no-op
        List<CompletableFuture<String>> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            callers.add(CompletableFuture.supplyAsync(ToolVersion::jarSha256));
        }
        for (CompletableFuture<String> c : callers) {
            assertEquals("not a jar", c.join());
        }
        assertEquals(ToolVersion.version() + " (commit " + ToolVersion.commit() + ", built " + ToolVersion.buildDate()
                + ", jar sha256 not a jar)", ToolVersion.describe());
    }
}
