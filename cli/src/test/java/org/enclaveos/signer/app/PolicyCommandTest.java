package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.signoffline.SignOfflineCommand;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, the policy half: one policy file for verify, prepare and sign-offline, and its exports. */
class PolicyCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    ConvertedImageFixture fixture;
    ImageReference image;

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    @BeforeEach
    void anImage() throws Exception {
        fixture = new ConvertedImageFixture();
        image = fixture.write(dir.resolve("image"));
    }

    /** A YAML policy for the fixture's image; {@code rule} is spliced into its one enclave rule. */
    Path policy(String mode, String rule) throws Exception {
        return Files.writeString(dir.resolve("p-" + System.nanoTime() + ".yaml"), """
            version: 1
            mode: %s
            scopes:
              - images: ["oci:*"]
                enclaves:
                  - isvprodid: 7
                    signers:
                      - {mrsigner: "%s", name: converter}
                    memoryModels: [sgx1, sgx2]
            %s
            """.formatted(mode, fixture.converterKey.mrsigner().hex(), rule.indent(8).stripTrailing()));
    }

    @Test
    void verifyReportsEveryRuleAndExitsByTheVerdict() throws Exception {
        CliRun ok = run("verify", image.toString(), "--policy", policy("enforce", "debug: allow\nisvsvnMin: 1").toString());
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.out().contains("(enforce) for " + image + ":"), ok.out());
        assertTrue(ok.out().lines().anyMatch(l -> l.startsWith("sgx1 ") && l.contains("isvsvnMin") && l.endsWith("pass")),
                ok.out());
        assertFalse(ok.out().contains("FAIL"), ok.out());

        CliRun old = run("verify", image.toString(), "--policy", policy("enforce", "debug: allow\nisvsvnMin: 2").toString());
        assertEquals(7, old.exitCode(), old::toString);
        assertTrue(old.lastErrLine().contains("2 rule(s) failed for " + image + "; first: sgx1 isvsvnMin: expected >= 2, "
                + "found 1"), old.err());

        CliRun debug = run("verify", image.toString(), "--policy", policy("enforce", "debug: deny").toString(), "--json");
        assertEquals(7, debug.exitCode(), debug::toString);
        JsonNode doc = JSON.readTree(debug.out());
        assertFalse(doc.at("/policy/passed").asBoolean());
        assertEquals("debug", doc.at("/policy/findings").findValuesAsText("rule").stream()
                .filter(r -> r.equals("debug")).findFirst().orElse(""));

        CliRun warn = run("verify", image.toString(), "--policy", policy("warn", "debug: deny").toString());
        assertEquals(0, warn.exitCode(), warn::toString);
        assertTrue(warn.lastErrLine().startsWith("enclaveos-signer: warning: ") && warn.lastErrLine().endsWith("(mode warn)"),
                warn.err());

        CliRun stranger = run("verify", image.toString(), "--policy", policy("enforce", "debug: allow").toString()
                .replace("x", "x"), "--mrsigner", "ab".repeat(32));
        assertEquals(1, stranger.exitCode(), "the signature checks come first: " + stranger);
    }

    @Test
    void checkExportAndTheAirGappedJsonForm() throws Exception {
        Path yaml = policy("enforce", "debug: deny\nisvsvnMin: 3");
        CliRun check = run("policy", "check", yaml.toString());
        assertEquals(0, check.exitCode(), check::toString);
        assertEquals("OK " + yaml + ": policy version 1, mode enforce, 1 scope(s), 1 enclave rule(s)\n", check.out());
        CliRun json = run("policy", "check", yaml.toString(), "--json");
        JsonNode canonical = JSON.readTree(json.out());
        assertEquals(3, canonical.at("/scopes/0/enclaves/0/isvsvnMin").asInt());
        assertEquals("deny", canonical.at("/scopes/0/enclaves/0/debug").asText());

        CliRun intel = run("policy", "export", yaml.toString(), "--format", "intel-appraisal");
        assertEquals(0, intel.exitCode(), intel::toString);
        JsonNode ref = JSON.readTree(intel.out()).at("/policy_array/0/reference");
        assertEquals(fixture.converterKey.mrsigner().hex(), ref.get("sgx_mrsigner").asText());
        assertEquals(7, ref.get("sgx_isvprodid").asInt());
        assertEquals(3, ref.get("sgx_isvsvn_min").asInt());
        assertEquals("00".repeat(16), ref.get("sgx_attributes").asText());
        assertEquals("02" + "00".repeat(15), ref.get("sgx_attributes_mask").asText(), "DEBUG must be clear");
        assertEquals("bef7cb8c-31aa-42c1-854c-10db005d5c41",
                JSON.readTree(intel.out()).at("/policy_array/0/environment/class_id").asText());
        CliRun ra = run("policy", "export", yaml.toString(), "--format", "ra-tls-env");
        assertEquals("# oci:*, isvprodid 7, signer converter\nRA_TLS_MRSIGNER=" + fixture.converterKey.mrsigner().hex()
                + "\nRA_TLS_MRENCLAVE=any\nRA_TLS_ISV_PROD_ID=7\nRA_TLS_ISV_SVN=3\n", ra.out());

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "version: 1\nscopes:\n  - images: [\"a\"]\n    enclaves:\n"
                + "      - isvsvnmin: 3\n");
        CliRun wrong = run("policy", "check", bad.toString());
        assertEquals(4, wrong.exitCode(), wrong::toString);
        assertTrue(wrong.lastErrLine().contains(bad + ": scopes[0].enclaves[0].isvsvnmin: unknown key"), wrong.err());
        // The air-gapped side reads the JSON form and refuses YAML with the way to convert it.
        Path canonicalFile = Files.writeString(dir.resolve("p.json"), json.out());
        CliRun yamlOffline = CliRun.run(new SignOfflineCommand(), dir.toString(), "--policy", yaml.toString(), "--key", "k",
                "--out", dir.resolve("o").toString());
        assertEquals(4, yamlOffline.exitCode(), yamlOffline::toString);
        assertTrue(yamlOffline.lastErrLine().contains("this jar reads no YAML (convert it on the networked host: "
                + "enclaveos-signer policy check " + yaml.getFileName() + " --json)"), yamlOffline.err());
        assertTrue(Files.exists(canonicalFile));
    }

    @Test
    void prepareAndSignOfflineRefuseWhatThePolicyWouldReject() throws Exception {
        Path key = dir.resolve("key.pem");
        assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
        String target = "oci:" + dir.resolve("signed") + ":1";
        // prepare: ISVSVN 1 is below the minimum: nothing written.
        CliRun refused = run("prepare", image.toString(), "--memory-model", "all", "--target", target, "--production",
                "--policy", policy("enforce", "isvsvnMin: 2").toString(), "--out", dir.resolve("req").toString());
        assertEquals(7, refused.exitCode(), refused::toString);
        assertTrue(refused.lastErrLine().contains("policy rule isvsvnMin for " + target + " (sgx1): expected >= 2, found 1; "
                + "nothing written"), refused.err());
        assertFalse(Files.exists(dir.resolve("req")));
        CliRun prepared = run("prepare", image.toString(), "--memory-model", "all", "--target", target, "--production",
                "--isvsvn", "2", "--policy", policy("enforce", "isvsvnMin: 2").toString(), "--out",
                dir.resolve("req").toString());
        assertEquals(0, prepared.exitCode(), prepared::toString);
        // sign-offline: the policy lists the converter's key only, so this key is refused before anything is signed.
        Path json = Files.writeString(dir.resolve("p.json"), run("policy", "check", policy("enforce", "isvsvnMin: 2")
                .toString(), "--json").out());
        CliRun other = run("sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                dir.resolve("sig").toString(), "--yes", "--production", "--policy", json.toString());
        assertEquals(7, other.exitCode(), other::toString);
        assertTrue(other.lastErrLine().contains("policy rule signer for " + target + ": expected converter, found MRSIGNER "),
                other.err());
        assertFalse(Files.exists(dir.resolve("sig/app-1.0.sgx1.sigstruct")));
        // With the policy's key the same ceremony signs.
        Path converterKey = dir.resolve("converter.pem");
        org.enclaveos.signer.crypto.PemKeys.writePrivateKey(fixture.converterKey, converterKey);
        CliRun signed = run("sign-offline", dir.resolve("req").toString(), "--key", converterKey.toString(), "--out",
                dir.resolve("sig2").toString(), "--yes", "--production", "--policy", json.toString());
        assertEquals(0, signed.exitCode(), signed::toString);
    }
}
