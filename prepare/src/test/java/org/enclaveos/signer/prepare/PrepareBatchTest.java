package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareBatchTest {
    @TempDir
    Path dir;

    @Test
    void runsEveryLineKeepsGoingPastABadOneAndSaysWhichFailed() throws Exception {
        ImageReference image = new ConvertedImageFixture().write(dir.resolve("oci"));
        Path sgxs = Files.write(dir.resolve("svc.sgxs"), new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x100, 1).bytes());
        Path layout = Files.writeString(dir.resolve("layout.json"), """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x4000", "ssaFrameSize": 1},
             "ranges": [{"name": "tcs", "offset": 0, "pages": 1, "flags": "0x100"}]}
            """);
        Path batch = Files.writeString(dir.resolve("batch.jsonl"), String.join("\n",
                "{\"image\": \"" + image + "\", \"name\": \"app\", \"memoryModel\": \"all\", \"production\": true}",
                "{\"sgxs\": \"" + sgxs + "\", \"isvprodid\": \"0x10\", \"isvsvn\": 2}",
                "",
                "{\"mrenclave\": \"" + "ab".repeat(32) + "\", \"name\": \"bad\", \"isvprodid\": 70000, \"isvsvn\": 0}",
                "{\"layout\": \"" + layout + "\", \"isvprodid\": 1, \"isvsvn\": 1, \"date\": \"2026-01-01\"}") + "\n");
        CliRun r = CliRun.run(new PrepareCommand(), "--batch", batch.toString(), "--out", dir.resolve("req").toString(),
                "--jobs", "2", "--json", "--date", "2026-11-26");
        assertEquals(2, r.exitCode(), r::toString);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(4, j.get("entries").asInt());
        assertEquals(1, j.get("failed").asInt());
        assertEquals(4, j.get("requests").asInt());
        assertTrue(r.err().contains(batch + " line 4 (--mrenclave"), r.err());
        assertTrue(r.err().contains("'70000' is outside 0..65535"), r.err());
        assertTrue(r.err().matches("(?s).*\\[line 1\\] pulling and measuring oci:.*"), r.err());
        assertTrue(r.err().matches("(?s).*\\[line 1\\] done in \\d+ ms: 2 request\\(s\\); read [0-9.]+ MB in [0-9.]+ s \\([0-9.]+ MB/s\\).*"),
                r.err());
        List<String> ids = RequestSet.load(List.of(dir.resolve("req"))).stream().map(RequestSet.Loaded::id).sorted().toList();
        assertEquals(List.of("app.sgx1", "app.sgx2", "layout.sgx1", "svc"), ids);
        // The command line's --date is every line's default; a line's own --date wins.
        assertEquals("2026-11-26", date(dir.resolve("req/svc.request.json")));
        assertEquals("2026-11-26", date(dir.resolve("req/app.sgx2.request.json")));
        assertEquals("2026-01-01", date(dir.resolve("req/layout.sgx1.request.json")));
    }

    private static String date(Path request) {
        return RequestSet.loadFile(request, null).unsigned().date().iso();
    }

    @Test
    void theCommandLinesPolicyIsEveryLinesAndNoLineMayWeakenItOrStopTheOthers() throws Exception {
        Path sgxs = Files.write(dir.resolve("svc.sgxs"), new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x100, 1).bytes());
        String pinned = "12".repeat(32);
        Path batch = Files.writeString(dir.resolve("batch.jsonl"), String.join("\n",
                "{\"sgxs\": \"" + sgxs + "\", \"name\": \"plain\", \"isvprodid\": 1, \"isvsvn\": 1}",
                "{\"sgxs\": \"" + sgxs + "\", \"name\": \"weak\", \"isvprodid\": 1, \"isvsvn\": 1, \"production\": false}",
                "this line is not JSON",
                "{\"sgxs\": \"" + sgxs + "\", \"name\": \"repin\", \"isvprodid\": 1, \"isvsvn\": 1, \"expectedSigner\": \""
                        + "34".repeat(32) + "\"}",
                "{\"sgxs\": \"" + sgxs + "\", \"name\": \"own\", \"isvprodid\": 1, \"isvsvn\": 2, \"target\": "
                        + "\"registry.example/own:2\", \"date\": \"2026-02-02\"}") + "\n");
        CliRun r = CliRun.run(new PrepareCommand(), "--batch", batch.toString(), "--out", dir.resolve("req").toString(),
                "--production", "--expected-signer", pinned, "--date", "2026-11-26", "--target", "registry.example/app:signed");
        assertTrue(r.exitCode() != 0, r::toString);
        assertTrue(r.out().contains("5 entries, 2 prepared (2 requests in "), r.out());
        assertTrue(r.err().contains(batch + " line 2 (--sgxs " + sgxs + "): \"production\": false would weaken the "
                + "command line's --production; a line may not"), r.err());
        assertTrue(r.err().contains(batch + " line 3 (?): not JSON"), r.err());
        assertTrue(r.err().contains(batch + " line 4 (--sgxs " + sgxs + "): 'expectedSigner' would change the signer "
                + "pinned on the command line (" + pinned + "); a line may not"), r.err());
        RequestSet.Loaded plain = RequestSet.loadFile(dir.resolve("req/plain.request.json"), null);
        assertEquals(false, plain.unsigned().debug(), "--production applies to a line that does not say it");
        assertEquals(pinned, plain.request().pinnedSigner().mrsigner());
        assertEquals("registry.example/app:signed", plain.request().target());
        assertEquals("2026-11-26", plain.unsigned().date().iso());
        RequestSet.Loaded own = RequestSet.loadFile(dir.resolve("req/own.request.json"), null);
        assertEquals("registry.example/own:2", own.request().target());
        assertEquals("2026-02-02", own.unsigned().date().iso());
        assertEquals(false, own.unsigned().debug());
        assertEquals(pinned, own.request().pinnedSigner().mrsigner());
    }

    @Test
    void aBatchFileThatIsNotAFileIsRefusedAtOnce() {
        CliRun r = CliRun.run(new PrepareCommand(), "--batch", dir.toString(), "--out", dir.resolve("req").toString());
        assertEquals(3, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + dir + ": not a regular file (a batch file is expected; pipes, devices and "
                + "directories are refused)", r.lastErrLine());
    }
}
