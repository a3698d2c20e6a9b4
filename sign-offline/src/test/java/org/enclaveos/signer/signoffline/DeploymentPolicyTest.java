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
        CliRun listed = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("a").toString(), "--yes",
                "--policy", policy("enforce", key.mrsigner().hex(), 0, "registry.example/*").toString());
        assertEquals(0, listed.exitCode(), listed::toString);

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
}
