package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.TestKeys;
import org.junit.jupiter.api.Test;

/**
 * sign-offline --policy: each request is judged before the review, with the ceremony's key as the
 * signer and the request's target as the subject; enforce refuses, warn shows a WARNING.
 */
class DeploymentPolicyTest extends CeremonyFixture {

    Path policy(String mode, String signer, int svnMin, String images) throws IOException {
        return Files.writeString(dir.resolve("p-" + System.nanoTime() + ".json"), """
            {"version": 1, "mode": "%s", "scopes": [{"images": ["%s"], "enclaves": [
              {"isvprodid": 1, "isvsvnMin": %d, "signers": [{"mrsigner": "%s", "name": "prod"}]}]}]}
            """.formatted(mode, images, svnMin, signer));
    }

    @Test
    void aRequestThePolicyRejectsIsRefusedBeforeTheReview() throws IOException {
        // Requests.write: targets registry.example/app:1-signed, ISVPRODID 1, ISVSVN 0 and 1.
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path listedPolicy = policy("enforce", key.mrsigner().hex(), 0, "registry.example/*");
        CliRun listed = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("a").toString(), "--yes",
                "--policy", listedPolicy.toString());
        assertEquals(0, listed.exitCode(), listed::toString);
        // The journal names the policy that judged the requests, by file and SHA-256.
        String start = Files.readAllLines(dir.resolve("a/journal.jsonl")).get(0);
        assertTrue(start.contains("\"policySha256\":\"" + org.enclaveos.signer.sgx.Hash256.ofFile(listedPolicy).hex() + "\"")
                && start.contains("\"policyMode\":\"enforce\""), start);

        CliRun other = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("b").toString(), "--yes",
                "--policy", policy("enforce", TestKeys.key("someone else").mrsigner().hex(), 0, "registry.example/*")
                        .toString());
        assertEquals(7, other.exitCode(), other::toString);
        assertTrue(other.lastErrLine().contains("policy rule signer for registry.example/app:1-signed: expected prod, found "
                + "MRSIGNER " + key.mrsigner().hex() + " (--policy)"), other.err());
        assertFalse(other.err().contains("Review:"), "refused before the review");
        assertFalse(Files.exists(dir.resolve("b/app0.sgx1.sigstruct")));

        CliRun old = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("c").toString(), "--yes",
                "--policy", policy("enforce", key.mrsigner().hex(), 1, "registry.example/*").toString());
        assertEquals(7, old.exitCode(), old::toString);
        assertTrue(old.lastErrLine().contains("policy rule isvsvnMin for registry.example/app:1-signed: expected >= 1, "
                + "found 0"), old.err());

        CliRun elsewhere = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("d").toString(), "--yes",
                "--policy", policy("enforce", key.mrsigner().hex(), 0, "other.example/*").toString());
        assertEquals(7, elsewhere.exitCode(), elsewhere::toString);
        assertTrue(elsewhere.lastErrLine().contains("policy rule scope for registry.example/app:1-signed"), elsewhere.err());
    }

    @Test
    void inWarnModeTheReviewSaysWhatThePolicyWouldRejectAndTheCeremonyGoesOn() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        CliRun warn = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("w").toString(), "--yes",
                "--policy", policy("warn", key.mrsigner().hex(), 1, "registry.example/*").toString());
        assertEquals(0, warn.exitCode(), warn::toString);
        assertTrue(warn.err().contains("     WARNING    policy rule isvsvnMin for registry.example/app:1-signed: expected "
                + ">= 1, found 0 (policy mode warn)"), warn.err());
        assertTrue(Files.exists(dir.resolve("w/app0.sgx1.sigstruct")));
    }

    /** Without a target the source is the subject: an image's reference, a file's path; a given MRENCLAVE has none. */
    @Test
    void withoutATargetTheSourceIsTheSubjectAndAnExportJudgesNoSigner() throws IOException {
        org.enclaveos.signer.sgx.Sigstruct s = Requests.production(1);
        org.enclaveos.signer.request.SigningRequest image = org.enclaveos.signer.request.SigningRequest.create("t", "img",
                org.enclaveos.signer.request.MemoryModel.SGX1, new org.enclaveos.signer.request.SigningRequest.Source("image",
                        "registry.example/app:1", "sha256:" + "ab".repeat(32), "sha256:" + "cd".repeat(32), "linux/amd64",
                        null, null), null, null, "converter-signature", null, s, null);
        org.enclaveos.signer.request.SigningRequest file = org.enclaveos.signer.request.SigningRequest.create("t", "file",
                null, org.enclaveos.signer.request.SigningRequest.Source.file("sgxs", "/enclaves/app.sgxs", "ef".repeat(32)),
                null, null, "measured-sgxs", null, s, null);
        org.enclaveos.signer.request.SigningRequest given = org.enclaveos.signer.request.SigningRequest.create("t", "given",
                null, org.enclaveos.signer.request.SigningRequest.Source.given(), null, null, "given", null, s, null);
        Path both = dir.resolve("both");
        org.enclaveos.signer.request.RequestWriter.write(both, java.util.List.of(image, file), false, "t");
        Path policy = Files.writeString(dir.resolve("sources.json"), """
            {"version": 1, "scopes": [
              {"images": ["registry.example/app:1"], "enclaves": [{"isvprodid": 1, "signers": [{"mrsigner": "%s"}]}]},
              {"images": ["file:app.sgxs"], "enclaves": [{"isvprodid": 1, "signers": [{"mrsigner": "%s"}]}]}]}
            """.formatted(key.mrsigner().hex(), key.mrsigner().hex()));
        CliRun ok = sign(both.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o1").toString(), "--yes",
                "--policy", policy.toString());
        assertEquals(0, ok.exitCode(), ok::toString);
        // Exported payloads have no signer yet: the signer rule waits, the other rules still apply.
        CliRun export = sign(both.toString(), "--export-payloads", dir.resolve("payloads").toString(), "--yes", "--policy",
                policy.toString());
        assertEquals(0, export.exitCode(), export::toString);
        CliRun otherKey = sign(both.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o2").toString(), "--yes",
                "--policy", Files.writeString(dir.resolve("other.json"), Files.readString(policy)
                        .replace(key.mrsigner().hex(), TestKeys.key("someone else").mrsigner().hex())).toString());
        assertEquals(7, otherKey.exitCode(), otherKey::toString);
        assertTrue(otherKey.lastErrLine().contains("policy rule signer for file:/enclaves/app.sgxs")
                || otherKey.lastErrLine().contains("policy rule signer for registry.example/app:1"), otherKey.err());
        Path nowhere = dir.resolve("given");
        org.enclaveos.signer.request.RequestWriter.write(nowhere, java.util.List.of(given), false, "t");
        CliRun none = sign(nowhere.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o3").toString(), "--yes",
                "--policy", policy.toString());
        assertEquals(7, none.exitCode(), none::toString);
        assertTrue(none.lastErrLine().contains("policy rule scope for -: expected a scope whose images match, found -"),
                none.err());
    }
}
