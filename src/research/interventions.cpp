#include "research/interventions.h"

#include <algorithm>
#include <memory>
#include <sstream>

#include "almkit/error.h"

namespace almkit::research {

Positions parse_positions(const std::string& name) {
  if (name == "all") return Positions::kAll;
  if (name == "audio") return Positions::kAudio;
  if (name == "text") return Positions::kText;
  if (name == "last") return Positions::kLast;
  throw Error(ErrorCode::kInvalidArgument,
              "positions '" + name + "': expected all, audio, text or last");
}

std::string positions_name(Positions positions) {
  switch (positions) {
    case Positions::kAll:
      return "all";
    case Positions::kAudio:
      return "audio";
    case Positions::kText:
      return "text";
    case Positions::kLast:
      return "last";
  }
  return "all";
}

at::Tensor position_weights(Positions positions, const at::Tensor& audio_mask, int64_t rows,
                            int64_t length, bool prompt_pass, const at::TensorOptions& options) {
  switch (positions) {
    case Positions::kAll:
      return at::ones({rows, length, 1}, options);
    case Positions::kLast: {
      at::Tensor w = at::zeros({rows, length, 1}, options);
      w.select(1, length - 1).fill_(1.0);
      return w;
    }
    case Positions::kAudio:
    case Positions::kText: {
      at::Tensor audio = prompt_pass && audio_mask.defined()
                             ? audio_mask.to(options.device())
                                   .to(options.dtype().toScalarType())
                                   .view({rows, length, 1})
                             : at::zeros({rows, length, 1}, options);
      return positions == Positions::kAudio ? audio : 1.0 - audio;
    }
  }
  return at::ones({rows, length, 1}, options);
}

void Interventions::add(Steering steering) {
  if (!steering.vector.defined() || steering.vector.dim() != 1) {
    throw Error(ErrorCode::kInvalidArgument, "a steering vector must be one-dimensional [hidden]");
  }
  steering_.push_back(std::move(steering));
}

void Interventions::add(Patch patch) {
  if (!patch.source.defined() || patch.source.dim() != 3) {
    throw Error(ErrorCode::kInvalidArgument, "a patch source must be [batch, positions, hidden]");
  }
  patches_.push_back(std::move(patch));
}

void Interventions::add(HeadAblation ablation) {
  if (ablation.heads.empty()) throw Error(ErrorCode::kInvalidArgument, "a head ablation names no heads");
  for (int head : ablation.heads) {
    if (head < 0) throw Error(ErrorCode::kInvalidArgument, "head " + std::to_string(head) + " is negative");
  }
  if (ablation.mean.defined() && ablation.mean.dim() != 2) {
    throw Error(ErrorCode::kInvalidArgument, "a mean ablation needs a mean [heads, head_dim], got " +
                                                 shape_text(ablation.mean.sizes()));
  }
  ablations_.push_back(std::move(ablation));
}

LayerHook Interventions::hook(const DecoderInput& prompt) const {
  LayerHook hook;
  if (empty()) return hook;
  if (!ablations_.empty()) {
    hook.heads = [ablations = ablations_](const std::string& stack, int layer, at::Tensor& per_head) {
      for (const auto& a : ablations) {
        if (a.stack != stack || a.layer != layer) continue;
        const int64_t heads = per_head.size(2);
        std::vector<float> weights(heads, 1.0f);  // 1: untouched
        std::vector<int64_t> chosen(heads, 0);
        for (int h : a.heads) {
          if (h >= heads) {
            throw Error(ErrorCode::kInvalidArgument, stack + " layer " + std::to_string(layer) + " has " +
                                                         std::to_string(heads) + " heads; no head " + std::to_string(h));
          }
          weights[h] = static_cast<float>(a.scale);
          chosen[h] = 1;
        }
        if (!a.mean.defined()) {
          const at::Tensor weight = at::tensor(weights).to(per_head.device(), per_head.scalar_type());
          per_head = per_head * weight.view({1, 1, heads, 1});
          continue;
        }
        if (a.mean.size(0) != heads || a.mean.size(1) != per_head.size(3)) {
          throw Error(ErrorCode::kShapeMismatch, "mean ablation " + shape_text(a.mean.sizes()) + " does not match " +
                                                     stack + " layer " + std::to_string(layer) + "'s heads " +
                                                     shape_text({heads, per_head.size(3)}));
        }
        const at::Tensor replace = at::tensor(chosen).to(at::kBool).to(per_head.device()).view({1, 1, heads, 1});
        per_head = at::where(replace, a.mean.to(per_head.device(), per_head.scalar_type()).view({1, 1, heads, -1}),
                             per_head);
      }
    };
  }
  if (steering_.empty() && patches_.empty()) return hook;
  const at::Tensor audio_mask = prompt.audio_mask;
  const int64_t prompt_length = prompt.embeddings.defined() ? prompt.embeddings.size(1) : -1;
  bool wants_input = false;
  for (const auto& s : steering_) wants_input |= s.layer < 0;
  for (const auto& p : patches_) wants_input |= p.layer < 0;
  hook.want_input = wants_input;
  hook.callback = [steering = steering_, patches = patches_, audio_mask, prompt_length](
                      const std::string& stack, int layer, at::Tensor& hidden, const at::Tensor&) {
    const int64_t rows = hidden.size(0), length = hidden.size(1);
    const bool prompt_pass = stack != "decoder" || prompt_length < 0 || length == prompt_length;
    const at::Tensor mask = stack == "decoder" ? audio_mask : at::Tensor();
    for (const auto& s : steering) {
      if (s.stack != stack || s.layer != layer) continue;
      const at::Tensor delta =
          (s.vector.to(hidden.device(), hidden.scalar_type()) * s.alpha).view({1, 1, -1});
      if (s.positions == Positions::kAll) {
        hidden = hidden + delta;  // as a transformers forward hook: padding positions included
      } else {
        hidden = hidden + delta * position_weights(s.positions, mask, rows, length, prompt_pass,
                                                   hidden.options());
      }
    }
    for (const auto& p : patches) {
      if (p.stack != stack || p.layer != layer || !prompt_pass) continue;
      if (p.source.size(0) != rows || p.source.size(1) != length ||
          p.source.size(2) != hidden.size(2)) {
        throw Error(ErrorCode::kShapeMismatch, "patch source " + shape_text(p.source.sizes()) +
                                                   " does not match " + stack + " layer " +
                                                   std::to_string(layer) + "'s output " +
                                                   shape_text(hidden.sizes()));
      }
      const at::Tensor where =
          position_weights(p.positions, mask, rows, length, true, hidden.options()).to(at::kBool);
      hidden = at::where(where, p.source.to(hidden.device(), hidden.scalar_type()), hidden);
    }
  };
  return hook;
}

std::vector<std::string> Interventions::describe() const {
  std::vector<std::string> lines;
  for (const auto& s : steering_) {
    std::ostringstream line;
    line << "steer " << s.stack << "." << s.layer << " alpha=" << s.alpha
         << " positions=" << positions_name(s.positions)
         << " norm=" << s.vector.norm().item<double>();
    lines.push_back(line.str());
  }
  for (const auto& a : ablations_) {
    std::ostringstream line;
    line << "ablate_heads " << a.stack << "." << a.layer << " heads=";
    for (size_t i = 0; i < a.heads.size(); ++i) line << (i ? "," : "") << a.heads[i];
    line << " scale=" << a.scale << (a.mean.defined() ? " mean" : "");
    lines.push_back(line.str());
  }
  for (const auto& p : patches_) {
    lines.push_back("patch " + p.stack + "." + std::to_string(p.layer) + " positions=" +
                    positions_name(p.positions) + " source=" + shape_text(p.source.sizes()));
  }
  return lines;
}

LayerHook compose(std::vector<LayerHook> hooks) {
  LayerHook out;
  std::vector<LayerHook> live;
  std::vector<std::function<void(const std::string&, int, at::Tensor&)>> head_callbacks;
  for (auto& h : hooks) {
    if (h.heads) head_callbacks.push_back(h.heads);
    if (!h.callback) continue;
    out.want_attention |= h.want_attention;
    out.want_input |= h.want_input;
    live.push_back(std::move(h));
  }
  if (!head_callbacks.empty()) {
    out.heads = [head_callbacks](const std::string& stack, int layer, at::Tensor& per_head) {
      for (const auto& callback : head_callbacks) callback(stack, layer, per_head);
    };
  }
  if (live.empty()) return out;
  out.callback = [live](const std::string& stack, int layer, at::Tensor& hidden,
                        const at::Tensor& attention) {
    for (const auto& h : live) {
      if (layer < 0 && !h.want_input) continue;
      h.callback(stack, layer, hidden, attention);
    }
  };
  return out;
}

}  // namespace almkit::research
