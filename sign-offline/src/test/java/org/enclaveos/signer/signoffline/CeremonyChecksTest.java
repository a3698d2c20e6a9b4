package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ceremony-level checks, each asserting its own message: with the check removed, the test fails. */
class CeremonyChecksTest {
    @TempDir
    Path dir;

    @Test
    void productionRefusesAMaskThatLeavesDebugOpenEvenWithDebugClear() throws IOException {
        Sigstruct open = Requests.production(1).toBuilder()
                .attributeMask(new Attributes(~Attributes.DEBUG, 0xffffffffffffff1fL)).build();
        assertEquals(false, open.attributes().has(Attributes.DEBUG));
        Path req = dir.resolve("open");
        RequestWriter.write(req, List.of(Requests.request("open", MemoryModel.SGX1, open, null)), false, "t");
        Path key = dir.resolve("k.pem");
        org.enclaveos.signer.crypto.PemKeys.writePrivateKey(org.enclaveos.signer.testing.TestKeys.key("k"), key);
        CliRun r = CliRun.run(new SignOfflineCommand(), req.toString(), "--key", key.toString(), "--out",
                dir.resolve("o").toString(), "--yes", "--production");
        assertEquals(7, r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().endsWith("open.sgx1.request.json: ATTRIBUTEMASK does not enforce DEBUG, so the signed "
                + "enclave would also launch in debug mode; refused in a --production ceremony"), r.err());
        CliRun review = CliRun.run(new SignOfflineCommand(), req.toString(), "--key", key.toString(), "--out",
                dir.resolve("o").toString(), "--dry-run");
        assertTrue(review.err().contains("WARNING    ATTRIBUTEMASK leaves DEBUG open: also launches in debug mode"),
                review.err());
    }

    @Test
    void aJournalLineCannotRedrawTheTerminalWhenItIsReported() throws IOException {
        Path journal = dir.resolve("journal.jsonl");
        Files.writeString(journal, "{\"seq\":1,\"prev\":\"\\u001b[2J\\u001b[HOK all verified\\r\\n\",\"event\":\"x\"}\n");
        CliRun r = CliRun.run(new SignOfflineCommand(), "--verify-journal", journal.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        ReviewTrustTest.assertTerminalSafe(r.err());
        assertTrue(r.lastErrLine().contains("prev is \\u001b[2J\\u001b[HOK all verified\\u000d\\u000a, but"), r.err());
    }
}
