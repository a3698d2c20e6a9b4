package org.enclaveos.signer.signoffline;

import java.nio.file.Path;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** What the sign-offline command tests share: the test signer as a PEM file, a work directory, a ceremony run. */
abstract class CeremonyFixture {
    @TempDir
    static Path keys;
    static Path keyFile;
    static SigningKey key;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeKey() {
        key = TestKeys.key("signer");
        keyFile = keys.resolve("signer.pem");
        if (!keyFile.toFile().exists()) {
            PemKeys.writePrivateKey(key, keyFile);
        }
    }

    static CliRun sign(String... args) {
        return CliRun.run(new SignOfflineCommand(), args);
    }
}
