package org.enclaveos.signer.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;

/**
 * RSA-3072 e=3 keys for tests, made once per JVM and name: finding the primes is most of a test's
 * time, and mutation testing runs the same tests hundreds of times in one JVM. Tests that are about
 * key generation itself call {@link PemKeys#generate} directly.
 */
public final class TestKeys {
    private static final Map<String, SigningKey> KEYS = new ConcurrentHashMap<>();

    private TestKeys() {
    }

    public static SigningKey key(String name) {
        return KEYS.computeIfAbsent(name, PemKeys::generate);
    }
}
