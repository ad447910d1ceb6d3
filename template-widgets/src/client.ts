import '../taupy/widgets/client/index.js'
