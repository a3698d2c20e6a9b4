package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.OeEnclaveFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unsigned Open Enclave enclave and its oesign configuration through the three steps: prepare
 * measures it as OE's loader does and makes oesign's SIGSTRUCT, sign-offline signs it like any
 * request, attach writes the signed ELF (only .oeinfo differs) after checking file and configuration.
 */
class OeEnclaveResignTest {
    @TempDir
    Path dir;
    Path enclave;
    Path config;
    Path key;

    @BeforeEach
    void unsignedEnclave() throws IOException {
        enclave = Files.write(dir.resolve("enclave"), new OeEnclaveFixture().heap(0xFFFF).stack(0xFFFF).tcs(0xFFFF)
                .debug(false).build());
        config = Files.writeString(dir.resolve("enclave.conf"), "# oesign\nDebug=1\nNumHeapPages=4\nNumStackPages=2\n"
                + "NumTCS=2\nProductID=5\nSecurityVersion=3\n");
        key = dir.resolve("ours.pem");
        assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
    }

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    @Test
    void prepareSignAndAttachWriteTheSignedEnclave() throws IOException {
        CliRun measure = run("measure", enclave.toString(), "--config", config.toString(), "--json");
        assertEquals(0, measure.exitCode(), measure::toString);
        String mrenclave = SigstructJson.readTree(measure.out()).get("mrenclave").asText();

        Path req = dir.resolve("req");
        CliRun prepare = run("prepare", "--enclave", enclave.toString(), "--config", config.toString(), "--date",
                "2024-04-02", "--out", req.toString());
        assertEquals(0, prepare.exitCode(), prepare::toString);
        JsonNode request = SigstructJson.readTree(Files.readString(req.resolve("enclave.request.json")));
        assertEquals("oe-enclave", request.at("/source/kind").asText());
        assertEquals(mrenclave, request.at("/mrenclave").asText());
        assertEquals(config.toAbsolutePath().normalize().toString(), request.at("/layout/path").asText(),
                "the configuration is the enclave's layout: attach needs it again");

        Path signed = dir.resolve("signed");
        assertEquals(0, run("sign-offline", req.toString(), "--key", key.toString(), "--out", signed.toString(), "--yes")
                .exitCode());
        Sigstruct s = Sigstruct.read(signed.resolve("enclave.sigstruct"));
        // oesign's SIGSTRUCT: the properties' identity and attributes, its masks (DEBUG unmasked for a debug enclave).
        assertEquals(5, s.isvProdId());
        assertEquals(3, s.isvSvn());
        assertEquals(new Attributes(0x6, 0x3), s.attributes());
        assertEquals(new Attributes(0xffffffffffffff79L, 0xffffffffffffff1bL), s.attributeMask());
        assertEquals(0xffffffff, s.miscMask());
        assertEquals(org.enclaveos.signer.sgx.SigstructDate.of(java.time.LocalDate.of(2024, 4, 2)), s.date());

        Path out = dir.resolve("enclave.signed");
        CliRun attach = run("attach", req.toString(), "--signatures", signed.toString(), "--enclave-out", out.toString());
        assertEquals(0, attach.exitCode(), attach::toString);
        byte[] before = Files.readAllBytes(enclave);
        byte[] after = Files.readAllBytes(out);
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                assertTrue(i >= OeEnclaveFixture.OEINFO && i < OeEnclaveFixture.OEINFO + 1960, "byte " + i + " changed");
            }
        }
        OeEnclave written = OeEnclave.read(out);
        assertEquals(s, written.sigstruct().orElseThrow());
        assertEquals(4, written.properties().heapPages(), "the configuration's properties are written, as oesign does");
        CliRun verify = run("verify", out.toString(), "--json");
        assertEquals(0, verify.exitCode(), verify::toString);
        CliRun inspect = run("inspect", out.toString(), "--json");
        assertEquals("open-enclave", SigstructJson.readTree(inspect.out()).get("kind").asText());
        assertEquals(2, SigstructJson.readTree(inspect.out()).at("/properties/numTcs").asInt());
    }

    @Test
    void whatOesignTakesFromTheConfigurationIsNotOverriddenAndItsChangesAreCaught() throws IOException {
        CliRun svn = run("prepare", "--enclave", enclave.toString(), "--config", config.toString(), "--isvsvn", "4",
                "--out", dir.resolve("r1").toString());
        assertEquals(2, svn.exitCode(), svn::toString);
        assertTrue(svn.lastErrLine().contains("--isvsvn 4: the enclave's properties say SecurityVersion=3"), svn.err());
        CliRun production = run("prepare", "--enclave", enclave.toString(), "--config", config.toString(), "--production",
                "--out", dir.resolve("r2").toString());
        assertEquals(2, production.exitCode(), production::toString);
        assertTrue(production.lastErrLine().contains("give Debug=0 in the oesign configuration"), production.err());
        CliRun noConfig = run("prepare", "--enclave", enclave.toString(), "--isvprodid", "1", "--isvsvn", "1", "--out",
                dir.resolve("r3").toString());
        assertEquals(4, noConfig.exitCode(), noConfig::toString);
        assertTrue(noConfig.lastErrLine().contains("(an unsigned enclave gets them from its oesign configuration: --config)"),
                noConfig.err());
        assertFalse(Files.exists(dir.resolve("r3/enclave.request.json")));

        Path req = dir.resolve("req");
        assertEquals(0, run("prepare", "--enclave", enclave.toString(), "--config", config.toString(), "--out",
                req.toString()).exitCode());
        Path signed = dir.resolve("signed");
        assertEquals(0, run("sign-offline", req.toString(), "--key", key.toString(), "--out", signed.toString(), "--yes")
                .exitCode());
        Files.writeString(config, Files.readString(config).replace("NumHeapPages=4", "NumHeapPages=5"));
        Path out = dir.resolve("enclave.signed");
        CliRun attach = run("attach", req.toString(), "--signatures", signed.toString(), "--enclave-out", out.toString());
        assertEquals(8, attach.exitCode(), attach::toString);
        assertTrue(attach.lastErrLine().contains(": the oesign configuration changed since prepare"), attach.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** A batch line's "enclave" is read as what the file is, as --enclave is: this one goes the Open Enclave way. */
    @Test
    void aBatchLinesEnclaveIsAnOpenEnclaveEnclaveToo() throws IOException {
        Path batch = Files.writeString(dir.resolve("batch.jsonl"), "{\"enclave\": \"" + enclave + "\", \"isvprodid\": 1, "
                + "\"isvsvn\": 1}\n");
        CliRun prepare = run("prepare", "--batch", batch.toString(), "--out", dir.resolve("rb").toString());
        assertEquals(4, prepare.exitCode(), prepare::toString);
        assertTrue(prepare.err().contains("(an unsigned enclave gets them from its oesign configuration: --config)"),
                prepare.err());
    }
}
