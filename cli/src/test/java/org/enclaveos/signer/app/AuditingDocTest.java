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

        Path key = dir.resolve("key.pem");
        assertEquals(0, CliRun.run(new EnclaveosSigner(), "keygen", "--out", key.toString()).exitCode());
        CliRun p = CliRun.run(new EnclaveosSigner(), "prepare", "--mrenclave", "ab".repeat(32), "--isvprodid", "3",
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
        assertTrue(r.out().contains(mrsigner + "  -"), r.out());
    }
}
