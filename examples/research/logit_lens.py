"""Study 1, logit lens: at which layer does the model's answer form?

    ALMKIT_CLI=build/tools/almkit/almkit python3 logit_lens.py MODEL_DIR [CLIP.wav] [OUT_DIR]

Runs `almkit inspect --logit-lens` on a clip and a question, then prints, for every layer, the
token the residual stream would predict if decoding stopped there (lm_head(norm(r_i)) at the last
prompt position), its probability, and the rank of the model's final answer token. The layer
where that rank reaches 1 is where the decision is made (docs/research.md, "Read-outs").
"""
import os
import sys

import numpy as np

from study_common import read_safetensors, run, tone, work_dir


def main(model, clip=None, out_dir=None):
    with work_dir(out_dir, "logit-lens-") as out_dir:
        return study(model, clip, out_dir)


def study(model, clip, out_dir):
    clip = clip or tone(os.path.join(out_dir, "tone.wav"))
    out = os.path.join(out_dir, "inspect.safetensors")
    run("inspect", "--model", model, "--audio", clip, "--prompt", "What is the sound?", "--layers", "0",
        "--logit-lens", "-o", out)
    arrays = read_safetensors(out)
    lens = arrays["logit_lens"][0].astype(np.float64)  # [layers + 1, vocab]
    final = int(np.argmax(arrays["logits"][0]))
    if int(np.argmax(lens[-1])) != final:
        sys.exit("the lens after the last layer should be the logits")
    print(f"final answer token: {final}")
    print("layer  top token  p(top)     rank of final token")
    decided = None
    for layer, row in enumerate(lens):
        probs = np.exp(row - row.max())
        probs /= probs.sum()
        top = int(np.argmax(row))
        rank = int((row > row[final]).sum()) + 1
        if rank == 1 and decided is None:
            decided = layer
        print(f"{layer:5d}  {top:9d}  {probs[top]:.2e}   {rank}")
    print(f"the final token is first on top after layer {decided} of {len(lens) - 1}")
    return decided


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
