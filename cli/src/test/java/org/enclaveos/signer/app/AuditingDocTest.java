package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the script in docs/auditing.md against a real request and SIGSTRUCT, so the doc stays true. */
class AuditingDocTest {
    @TempDir
    Path dir;

    @Test
    void theAuditorsScriptChecksARealRequestAndItsSignature() throws IOException {
        String doc = Files.readString(Vectors.projectRoot().resolve("docs/auditing.md"));
        int marker = doc.indexOf("<!-- audit-script -->");
        int start = doc.indexOf("```sh\n", marker) + "```sh\n".length();
        String script = doc.substring(start, doc.indexOf("```", start));
        Path pub = dir.resolve("key.pub.pem");

        Path key = dir.resolve("key.pem");
        assertEquals(0, CliRun.run(new EnclaveosSigner(), "keygen", "--out", key.toString(), "--public-out", pub.toString())
                .exitCode());
        // Pinned, so step 7 compares the signature's MRSIGNER with the request's pinnedSigner.
        CliRun p = CliRun.run(new EnclaveosSigner(), "prepare", "--mrenclave", "ab".repeat(32), "--signer-key",
                pub.toString(), "--isvprodid", "3",
                "--isvsvn", "1", "--production", "--date", "2016-01-09", "--name", "sig1", "--out",
                dir.resolve("requests").toString());
        assertEquals(0, p.exitCode(), p::toString);
        CliRun s = CliRun.run(new EnclaveosSigner(), "sign-offline", dir.resolve("requests").toString(), "--key",
                key.toString(), "--out", dir.resolve("signed").toString(), "--yes");
        assertEquals(0, s.exitCode(), s::toString);

        Tools.require("xxd");
        Tools.Result r = Tools.run(null, "bash", "-c", "cd '" + dir + "' && " + script);
        assertEquals(0, r.exitCode(), () -> r.out() + r.stderr());
        assertTrue(r.out().contains("the SIGSTRUCT carries the reviewed payload"), r.out());
        assertTrue(r.out().contains("Verified OK"), r.out());
        String mrsigner = org.enclaveos.signer.sgx.Sigstruct.read(dir.resolve("signed/sig1.sigstruct")).mrsigner().hex();
        assertTrue(r.out().contains("MRSIGNER " + mrsigner + " (the signer the request pins)"), r.out());

        // Signed by another key: step 7 fails the script (a test that fails when the check is taken out).
        Path other = dir.resolve("other.pem");
        assertEquals(0, CliRun.run(new EnclaveosSigner(), "keygen", "--out", other.toString()).exitCode());
        org.enclaveos.signer.sgx.Sigstruct unsigned = org.enclaveos.signer.request.RequestSet.loadFile(
                dir.resolve("requests/sig1.request.json"), null).unsigned();
        Files.write(dir.resolve("signed/sig1.sigstruct"), org.enclaveos.signer.crypto.SigstructSigner.sign(unsigned,
                org.enclaveos.signer.crypto.PemKeys.loadSigningKey(other, org.enclaveos.signer.crypto.PassphraseSource.NONE))
                .toBytes());
        Tools.Result wrong = Tools.run(null, "bash", "-c", "cd '" + dir + "' && " + script);
        assertTrue(wrong.exitCode() != 0, wrong.out());
        assertTrue(wrong.out().contains("Verified OK") && !wrong.out().contains("MRSIGNER "), wrong.out());
    }

    /** Part two: MRENCLAVE recomputed from the image with skopeo, umoci and sha256sum alone. */
    @Test
    void theAuditorRecomputesMrenclaveFromTheImage() throws IOException {
        Tools.require("skopeo");
        Tools.require("umoci");
        String doc = Files.readString(Vectors.projectRoot().resolve("docs/auditing.md"));
        int marker = doc.indexOf("<!-- audit-image-script -->");
        int start = doc.indexOf("```sh\n", marker) + "```sh\n".length();
        String script = doc.substring(start, doc.indexOf("```", start));
        org.enclaveos.signer.image.ImageReference image = new org.enclaveos.signer.image.ConvertedImageFixture()
                .write(dir.resolve("image"));
        CliRun p = CliRun.run(new EnclaveosSigner(), "prepare", image.toString(), "--memory-model", "sgx1", "--name", "app",
                "--out", dir.resolve("requests").toString());
        assertEquals(0, p.exitCode(), p::toString);
        Tools.Result r = Tools.run(null, "env", "SRC=" + image, "bash", "-c", "cd '" + dir + "' && " + script);
        assertEquals(0, r.exitCode(), () -> r.out() + r.stderr());
        String mrenclave = org.enclaveos.signer.request.RequestSet.loadFile(dir.resolve("requests/app.sgx1.request.json"),
                null).request().mrenclave();
        assertTrue(r.out().contains("MRENCLAVE " + mrenclave + " recomputed from the image"), r.out());
    }
}
