package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** measure and inspect on a converted image, through the same commands as files. */
class ImageCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void measureAndInspectAnOciImage() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference ref = f.write(dir.resolve("image"));
        CliRun m = CliRun.run(new EnclaveosSigner(), "measure", ref.toString(), "--memory-model", "all", "--json");
        assertEquals(0, m.exitCode(), m::toString);
        JsonNode j = JSON.readTree(m.out());
        assertEquals(f.sgx1.expectedMrenclave(), j.at("/models/sgx1/mrenclave").asText());
        assertEquals(f.sgx2Mrenclave(), j.at("/models/sgx2/mrenclave").asText());
        assertTrue(j.at("/models/sgx1/matchesConverter").asBoolean());
        assertTrue(j.at("/models/sgx2/matchesConverter").asBoolean());

        CliRun i = CliRun.run(new EnclaveosSigner(), "inspect", ref.toString(), "--json");
        assertEquals(0, i.exitCode(), i::toString);
        JsonNode ij = JSON.readTree(i.out());
        assertEquals("/enclave/app.sgxs", ij.at("/models/sgx1/layout").asText());
        assertEquals(f.converterKey.mrsigner().hex(), ij.at("/models/sgx2/sigstruct/mrsigner").asText());
        assertTrue(ij.at("/models/sgx2/sigstruct/signature/valid").asBoolean());
        assertEquals(7, ij.at("/models/sgx1/sigstruct/isvProdId").asInt());

        CliRun text = CliRun.run(new EnclaveosSigner(), "inspect", ref.toString());
        assertTrue(text.out().contains("sgx1                 layout /enclave/app.sgxs; signed: mrenclave "), text.out());
        assertTrue(text.out().startsWith("image                " + ref + System.lineSeparator() + "manifest             sha256:"),
                text.out());
        assertTrue(text.out().contains(System.lineSeparator() + "config               sha256:"), text.out());
    }

    @Test
    void verifyReMeasuresEveryLayout() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference good = f.write(dir.resolve("good"));
        CliRun ok = CliRun.run(new EnclaveosSigner(), "verify", good.toString(), "--json");
        assertEquals(0, ok.exitCode(), ok::toString);
        JsonNode j = JSON.readTree(ok.out());
        assertTrue(j.get("verified").asBoolean());
        assertEquals(f.sgx2Mrenclave(), j.at("/models/sgx2/measuredMrenclave").asText());
        assertEquals(false, j.at("/models/sgx1/production").asBoolean(), "the converter's debug signature");

        ConvertedImageFixture t = new ConvertedImageFixture();
        t.tamperSgx1Layout = true;
        ImageReference tampered = t.write(dir.resolve("tampered"));
        CliRun bad = CliRun.run(new EnclaveosSigner(), "verify", tampered.toString());
        assertEquals(1, bad.exitCode(), bad::toString);
        assertTrue(bad.lastErrLine().contains("sgx1: the layout measures "), bad.err());
        assertTrue(bad.out().contains("NO"), bad.out());
    }

    @Test
    void theOneShotFormWritesADockerArchiveThatSkopeoReads() throws Exception {
        ImageReference local = new ConvertedImageFixture().write(dir.resolve("image"));
        Path key = dir.resolve("k.pem");
        assertEquals(0, CliRun.run(new EnclaveosSigner(), "keygen", "--out", key.toString()).exitCode());
        Path tar = dir.resolve("signed.tar");
        CliRun r = CliRun.run(new EnclaveosSigner(), "--container", local.toString(), "docker-archive:" + tar,
                "-key", key.toString(), "--memory-model", "all", "--journal", dir.resolve("journal.jsonl").toString());
        assertEquals(0, r.exitCode(), r::toString);
        CliRun v = CliRun.run(new EnclaveosSigner(), "verify", "docker-archive:" + tar, "--mrsigner",
                org.enclaveos.signer.crypto.PemKeys.loadSigningKey(key, org.enclaveos.signer.crypto.PassphraseSource.NONE)
                        .mrsigner().hex());
        assertEquals(0, v.exitCode(), v::toString);
        JsonNode config = JSON.readTree(org.enclaveos.signer.testing.Tools.ok("skopeo", "inspect", "--config",
                "docker-archive:" + tar));
        assertTrue(config.at("/config/Env/1").asText().startsWith("ENCLAVEOS_SIGNATURE="), config.toString());
        assertEquals("/enclave/app.sgxs", config.at("/config/Labels/org.enclaveos.layout.sgx1").asText());
    }

    @Test
    void anUnreachableRegistryIsARegistryError() {
        CliRun r = CliRun.run(new EnclaveosSigner(), "measure", "docker://127.0.0.1:9/app:1");
        assertEquals(9, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.lastErrLine().startsWith("enclaveos-signer: 127.0.0.1:9: manifest 1: "), r.err());
    }

    @Test
    void aRegistryTimeoutBelowOneSecondIsAUsageError() {
        for (String command : new String[] {"measure", "inspect", "verify"}) {
            CliRun r = CliRun.run(new EnclaveosSigner(), command, "docker://127.0.0.1:1/team/app:1.0", "--registry-timeout", "0");
            assertEquals(2, r.exitCode(), r::toString);
            assertEquals("enclaveos-signer: --registry-timeout must be at least 1 second, not 0", r.lastErrLine());
        }
    }

    /**
     * Issue 13, item 8: the keys README.md promises for verify IMAGE --json are the keys it prints (the
     * paragraph is read from the README, so the two cannot drift apart), and no arguments is not a run.
     */
    @Test
    void verifyImageJsonHasTheReadmesKeysAndNoArgumentsIsAUsageError() throws Exception {
        ImageReference local = new ConvertedImageFixture().write(dir.resolve("image"));
        CliRun v = CliRun.run(new EnclaveosSigner(), "verify", local.toString(), "--json");
        assertEquals(0, v.exitCode(), v::toString);
        JsonNode j = JSON.readTree(v.out());
        String readme = java.nio.file.Files.readString(org.enclaveos.signer.testing.Vectors.projectRoot().resolve("README.md"));
        String promise = readme.substring(readme.indexOf("`verify IMAGE --json` prints"));
        promise = promise.substring(0, promise.indexOf("\n\n") < 0 ? promise.length() : promise.indexOf("\n\n"));
        java.util.regex.Matcher keys = java.util.regex.Pattern.compile("`([a-zA-Z0-9.]+)`").matcher(promise);
        int checked = 0;
        while (keys.find()) {
            String key = keys.group(1);
            JsonNode at = key.contains(".") ? j.at("/" + key.replace('.', '/')) : j.has(key) ? j.get(key)
                    : j.at("/models/sgx1/" + key);
            if (key.equals("sgx2") || key.equals("sgx1")) {
                at = j.at("/models/" + key);
            }
            assertTrue(!at.isMissingNode(), "README promises '" + key + "', verify --json has no such key:\n" + v.out());
            checked++;
        }
        assertTrue(checked >= 9, "the README paragraph names the keys: " + promise);

        CliRun none = CliRun.run(new EnclaveosSigner());
        assertEquals(2, none.exitCode(), none::toString);
        assertTrue(none.err().startsWith("Usage: enclaveos-signer"), none.err());
        assertEquals("", none.out());
    }
}
