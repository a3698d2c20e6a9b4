package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Public SIGSTRUCTs reproduced byte for byte through the real steps: prepare, then sign-offline. */
class VectorCeremonyTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "kernel-selftest/encl.ss | kernel-selftest/encl.pem | --mrenclave b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0 "
            + "--isvprodid 0 --isvsvn 0 --date 0000-00-00 --attributes 0x4/0x3 --attribute-mask 0/0 --misc-mask 0",
        "fortanix-sig1/sig1.sigstruct.bin | fortanix-sig1/sig1.key.pem | --mrenclave c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d "
            + "--isvprodid 0 --isvsvn 0 --date 2016-01-09 --attributes 0x4/0x3 "
            + "--attribute-mask 0xfffffffffffffffd/0xffffffffffffff1b --misc-mask 0xffffffff"})
    void prepareThenSignOfflineReproducesTheVector(String sigstruct, String key, String options) throws IOException {
        Path requests = dir.resolve("requests");
        List<String> prepare = new ArrayList<>(List.of("prepare", "--name", "vector", "--out", requests.toString()));
        prepare.addAll(List.of(options.trim().split(" +")));
        CliRun p = CliRun.run(new EnclaveosSigner(), prepare.toArray(String[]::new));
        assertEquals(0, p.exitCode(), p::toString);

        Path signed = dir.resolve("signed");
        CliRun s = CliRun.run(new EnclaveosSigner(), "sign-offline", requests.toString(), "--key",
                Vectors.file(key).toString(), "--out", signed.toString(), "--yes");
        assertEquals(0, s.exitCode(), s::toString);
        assertArrayEquals(Files.readAllBytes(Vectors.file(sigstruct)), Files.readAllBytes(signed.resolve("vector.sigstruct")));

        CliRun v = CliRun.run(new EnclaveosSigner(), "verify", signed.resolve("vector.sigstruct").toString());
        assertEquals(0, v.exitCode(), v::toString);
    }
}
