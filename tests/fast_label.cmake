# Read by ctest after the GoogleTest discovery files (tests/CMakeLists.txt): gives the label
# `fast` to every discovered test except those below, which took 2 s or more each in the CI run
# at 36ce4f2 (build/Testing/Temporary/CTestCostData.txt; ~580 tests on 2 cores). `ctest -L fast`
# is the inner loop. The SmallModel suite is in it since it reads the TestWorld fixture's
# checkpoint instead of writing its own. Suites added later join `fast` unless listed here:
# InitModel/* (every family's init-model) and BenchmarkPackEval (whole evaluations; one took
# minutes under load) were added at 13:25 on 6 Dec after a timed `ctest -L fast`.
set(_almkit_not_fast
  "^InitModel/" "^BenchmarkPackEval\\." "^EvalRun\\." "^ServeHttp\\."
  "^ResearchCli\\." "^ServeLifecycle\\." "^EvalRunOptions\\." "^EvalThroughServe\\."
  "^EvalShards\\." "^Judge\\." "^RequestAudioBinding\\." "^IsaEval\\." "^ServeErrors\\."
  "^EvalResume\\." "^ChatCommand\\." "^InterventionsFixture\\." "^EncodecModelChunks\\."
  "^TokenizeCommand\\." "^EvalBadInput\\." "^InitModel/LongAudio\\." "^LongAudio(GraniteSpeech|Flamingo3)\\."
  "^PerceptionSuite\\.SynthCommandWritesTheSuiteAndSummarises$"
  "^OpenAnswerCli\\.NormalizeScoreAsrAndAst$"
  "^MuseProtocol\\.(ThroughServeEqualsTheInProcessRun|EndToEndPerSeedFiguresAndResume)$"
  "^EvalOpenAnswers\\.DefaultAsrInstructionAndLocalModel$"
  "^ChatTemplate\\.ApplyChatTemplateGivesTheTemplateTheTokenizersBosToken$"
  "^TokenizerReference\\.Gemma3MatchesHuggingFace$"
  "^CodecStreaming\\.CliChunksFromDiskGiveTheInMemoryCodesAudioAndFigures$"
  "^QwenAudioPipeline\\.BatchOfClipsOfDifferentLengthsMatchesEachAlone$"
  "^RemoteCli\\.ShardsDefaultFromSlurmArrayVariablesAndMergeJoinsThem$"
  "^RemoteEval\\.RetriesEveryKindOfFaultAndLosesOrRepeatsNothing$")
foreach(_almkit_test IN LISTS almkit_discovered_tests)
  set(_almkit_fast TRUE)
  foreach(_almkit_pattern IN LISTS _almkit_not_fast)
    if(_almkit_test MATCHES "${_almkit_pattern}")
      set(_almkit_fast FALSE)
      break()
    endif()
  endforeach()
  if(_almkit_fast)
    set_tests_properties("${_almkit_test}" PROPERTIES LABELS fast)
  endif()
endforeach()
