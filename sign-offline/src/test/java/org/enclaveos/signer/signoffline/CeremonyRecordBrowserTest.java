package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The printed record in a real browser (Debian's headless Chromium), read back by independent tools:
 * poppler's pdfinfo/pdftotext/pdftoppm and zbar's QR decoder. What an auditor holds in their hand
 * is what these read.
 */
class CeremonyRecordBrowserTest extends CeremonyFixture {
    /** Issue 14 asks for a 20-request ceremony: four request pages, the last one not full. */
    static final int REQUESTS = 20;

    @BeforeAll
    static void tools() {
        for (String tool : new String[] {"chromium", "pdfinfo", "pdftotext", "pdftoppm", "zbarimg"}) {
            Tools.require(tool);
        }
    }

    @Test
    void printsOnA4WithEveryMeasurementAndAQrCodeOfTheJournalHash() throws IOException {
        Path out = dir.resolve("signed");
        Path record = dir.resolve("ceremony.html");
        CliRun r = CeremonyRecordTest.ceremony(Requests.write(dir.resolve("req"), REQUESTS, null), out, record, "2026-11-30-a");
        assertEquals(0, r.exitCode(), r::toString);
        String hash = CeremonyRecordTest.journalHash(r);

        Path pdf = dir.resolve("ceremony.pdf");
        chromium("--print-to-pdf=" + pdf, "--no-pdf-header-footer", record.toUri().toString());
        String info = text("pdfinfo", pdf.toString());
        assertTrue(info.contains("Pages:           " + CeremonyRecord.pages(REQUESTS) + "\n"), info);
        assertTrue(info.contains(" pts (A4)\n"), "A4: " + info);

        String printed = text("pdftotext", "-layout", pdf.toString(), "-");
        assertTrue(printed.contains(key.mrsigner().hex()), "MRSIGNER on paper");
        for (int i = 0; i < REQUESTS; i++) {
            Path file = out.resolve("app" + i + ".sgx1.sigstruct");
            Sigstruct s = Sigstruct.read(file);
            assertTrue(printed.contains(s.mrenclave().hex()), "MRENCLAVE of app" + i + " on paper");
            assertTrue(printed.contains(s.signingPayloadSha256().hex()), "payload of app" + i + " on paper");
            assertTrue(printed.contains(org.enclaveos.signer.sgx.Hash256.ofFile(file).hex()), "SIGSTRUCT of app" + i);
            assertTrue(printed.contains("ISVPRODID 1, ISVSVN " + i + ", DEBUG no"), "identity of app" + i);
        }
        assertTrue(printed.contains(hash), "journal hash on paper");
        assertTrue(printed.contains("Witness: Wanda <W> Witness"), "escaped text prints as typed");
        assertTrue(printed.contains("Requests 19-20 of 20"), "the last request page");

        // The QR code is on the last page: rendered by poppler, decoded by zbar.
        int last = CeremonyRecord.pages(REQUESTS);
        Path page = dir.resolve("page");
        Tools.ok("pdftoppm", "-r", "150", "-png", "-f", Integer.toString(last), "-l", Integer.toString(last), "-singlefile",
                pdf.toString(), page.toString());
        assertEquals(hash, text("zbarimg", "--raw", "-q", page + ".png").trim());

        // And on screen: a screenshot that is not blank.
        Path shot = dir.resolve("screen.png");
        chromium("--screenshot=" + shot, "--window-size=900,1200", record.toUri().toString());
        BufferedImage image = ImageIO.read(shot.toFile());
        long dark = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 384) {
                    dark++;
                }
            }
        }
        assertTrue(dark > image.getWidth() * image.getHeight() / 200, "screenshot has text: " + dark + " dark pixels");
        Path keep = Path.of(System.getProperty("record.picture", ""));
        if (!keep.toString().isEmpty()) {
            // For docs/ceremony-record.png (scripts/record-picture): the first page as printed.
            Tools.ok("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", pdf.toString(),
                    keep.toString().replaceAll("\\.png$", ""));
        }
    }

    private void chromium(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("chromium-profile")));
        cmd.addAll(List.of(args));
        Tools.ok(cmd.toArray(String[]::new));
    }

    private static String text(String... command) {
        return new String(Tools.ok(command), StandardCharsets.UTF_8);
    }
}
