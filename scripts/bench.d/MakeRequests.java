import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;

/** Bench helper: writes N production requests (and bundle.json) into DIR, through the library. */
public class MakeRequests {
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        List<SigningRequest> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sigstruct s = Sigstruct.builder().date(SigstructDate.of(LocalDate.of(2026, 11, 26)))
                    .attributes(new Attributes(Attributes.MODE64BIT, 0x7)).attributeMask(new Attributes(-1L, ~0xE0L))
                    .miscMask(0xfffffffe).isvProdId(1).isvSvn(i % 65536)
                    .mrenclave(Hash256.sha256(Integer.toString(i).getBytes())).build();
            list.add(SigningRequest.create("bench", "enclave" + i, MemoryModel.SGX1, SigningRequest.Source.given(), null,
                    null, "given", null, s, null));
        }
        RequestWriter.write(Path.of(args[1]), list, false, "bench");
    }
}
