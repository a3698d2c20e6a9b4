package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoAndOneShotTest {
    @TempDir
    Path dir;

    @Test
    void theDemoRunsTheThreeStepsAndEndsWithAValidTable() {
        CliRun r = CliRun.run(new EnclaveosSigner(), "demo", "--dir", dir.toString());
        assertEquals(0, r.exitCode(), r::toString);
        for (String step : new String[] {"$ ./enclaveos-signer prepare ", "$ ./enclaveos-signer sign-offline ",
            "$ ./enclaveos-signer attach ", "$ ./enclaveos-signer verify "}) {
            assertTrue(r.out().contains(step), r.out());
        }
        assertTrue(r.out().matches("(?s).*\\nsgx1 .* debug +yes\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\nsgx2 .* debug +yes\\n.*"), r.out());
    }

    @Test
    void theOriginalOneCommandFormStillWorks() throws Exception {
        ImageReference source = DemoCommand.sampleImage(dir.resolve("src"));
        Path key = dir.resolve("prod.pem");
        PemKeys.writePrivateKey(PemKeys.generate("prod"), key);
        String target = "oci:" + dir.resolve("dst") + ":signed";
        CliRun r = CliRun.run(new EnclaveosSigner(), "--container", source.toString(), target, "--isvsvn", "4",
                "--isvprodid", "0x10", "--production", "-key", key.toString(), "--memory-model", "all",
                "--journal", dir.resolve("ceremony.jsonl").toString(), "--platform", "linux/amd64");
        assertEquals(0, r.exitCode(), r::toString);
        CliRun journal = CliRun.run(new EnclaveosSigner(), "sign-offline", "--verify-journal", dir.resolve("ceremony.jsonl").toString());
        assertEquals(0, journal.exitCode(), journal::toString);
        assertTrue(journal.out().contains("4 lines, hash chain intact"), journal.out());
        CliRun v = CliRun.run(new EnclaveosSigner(), "verify", target, "--json", "--mrsigner",
                PemKeys.loadSigningKey(key, PassphraseSource.NONE).mrsigner().hex());
        assertEquals(0, v.exitCode(), v::toString);
        JsonNode j = new ObjectMapper().readTree(v.out());
        assertEquals(4, j.at("/models/sgx1/sigstruct/isvSvn").asInt());
        assertEquals(16, j.at("/models/sgx2/sigstruct/isvProdId").asInt());
        assertTrue(j.at("/models/sgx2/production").asBoolean());

        CliRun noKey = CliRun.run(new EnclaveosSigner(), "--container", source.toString(), target);
        assertEquals(2, noKey.exitCode(), noKey::toString);
        assertTrue(noKey.err().contains("--container needs -key KEY"), noKey.err());
    }
}
